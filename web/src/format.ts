// How things read on screen. Everything a peer controls is shown as text (Preact escapes it), never as HTML.
import type { MessageState, PeerInfo } from '../../src/types.js';

export function shortId(peerId: string): string {
  return peerId.length > 18 ? `${peerId.slice(0, 12)}…${peerId.slice(-6)}` : peerId;
}

/** A peer's name as shown: your petname or its claim; a stranger's name is marked as only a claim. */
export function peerName(peer: PeerInfo | undefined, peerId: string): string {
  const name = peer?.name ?? null;
  if (name === null || name.trim() === '') return shortId(peerId);
  return name;
}

/**
 * Delivery ticks: symbols DejaVu Sans has (no emoji, which a browser without an emoji font shows as
 * empty boxes), each with its state in words for screen readers and tooltips.
 */
export const TICKS: Record<MessageState, { symbol: string; words: string }> = {
  queued: { symbol: '◌', words: 'queued' },
  sent: { symbol: '✓', words: 'sent' },
  delivered: { symbol: '✓✓', words: 'delivered' },
  failed: { symbol: '✗', words: 'failed' },
  expired: { symbol: '⚠', words: 'expired' },
  cancelled: { symbol: '✗', words: 'cancelled' },
  received: { symbol: '', words: 'received' },
};

export function clockTime(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}
