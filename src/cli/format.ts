// Human-readable output: short peer ids, local times, aligned tables. Pure functions.
import type { ChatEvent, Message, PeerInfo } from '../types.js';

/** `12D3KooWAbc…xyz123`: enough to recognise a peer; the full id is in --json output. */
export function shortId(peerId: string): string {
  return peerId.length <= 20 ? peerId : `${peerId.slice(0, 12)}…${peerId.slice(-6)}`;
}

export function peerLabel(peerId: string, name: string | null | undefined): string {
  return name ? `${name} (${shortId(peerId)})` : shortId(peerId);
}

export function localTime(iso: string, withDate = false): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatPeers(peers: PeerInfo[]): string {
  if (peers.length === 0) return 'No peers known yet. Peers on the LAN appear within seconds; others: p2pchat connect <multiaddr>';
  return table(
    ['NAME', 'PEER ID', 'STATUS', 'LAST SEEN', 'ADDRESSES'],
    peers.map((p) => [
      p.name ?? '-',
      p.peerId,
      p.connected ? 'connected' : 'offline',
      p.connected ? 'now' : p.lastSeen ? localTime(p.lastSeen, true) : 'never',
      p.addresses.join(' ') || '-',
    ]),
  );
}

const ARROW = { in: '←', out: '→' } as const;

export function formatHistory(messages: Message[], names: Map<string, string | null>): string {
  if (messages.length === 0) return 'No messages yet.';
  return table(
    ['TIME', '', 'PEER', 'STATE', 'TEXT'],
    messages.map((m) => [
      localTime(m.time, true),
      ARROW[m.direction],
      peerLabel(m.peerId, names.get(m.peerId)),
      m.direction === 'out' && !m.acked && m.state === 'sent' ? 'sent (no acks)' : m.state,
      m.text.replace(/\n/g, '⏎'),
    ]),
  );
}

/** One line for `watch`, or undefined for events not worth a line. */
export function formatEvent(event: ChatEvent, names: Map<string, string | null>): string | undefined {
  const at = localTime(event.time);
  const data = event.data;
  const who = (id: unknown) => peerLabel(String(id), names.get(String(id)));
  switch (event.type) {
    case 'message-received': {
      const m = data.message as Message;
      return `${at}  ${who(m.peerId)}: ${m.text}`;
    }
    case 'message-state-changed':
      return `${at}  → ${who(data.peerId)}: message ${String(data.id).slice(0, 8)} ${String(data.state)}${data.reason ? ` (${String(data.reason)})` : ''}`;
    case 'peer-connected':
      return `${at}  * ${who(data.peerId)} connected`;
    case 'peer-disconnected':
      return `${at}  * ${who(data.peerId)} disconnected`;
    default:
      return undefined;
  }
}
