// Shapes shared by the daemon, the control API and the CLI. Types only: importing this costs nothing.
import type { InboundPolicy, TrustState } from './trust/types.js';

export type { InboundPolicy, TrustState };

export type Direction = 'in' | 'out';

/**
 * queued: accepted, on disk, not yet written to the peer.
 * sent: written to the peer's stream (plain chat peers never ack, so for them this is final).
 * delivered: the receiver acked it after storing it durably.
 * expired: not delivered within the expiry time.
 * received: an incoming message.
 */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'expired' | 'failed' | 'received';

export interface Message {
  /** Position in this daemon's database: increases with every message stored. */
  seq: number;
  id: string;
  peerId: string;
  direction: Direction;
  text: string;
  /** When the sender sent it (sender's clock for incoming), ISO 8601. */
  time: string;
  /** When this daemon stored it, ISO 8601. */
  storedAt: string;
  state: MessageState;
  reason?: string | undefined;
  /** False for plain text sent to or received from peers that do not speak p2pchat envelopes. */
  acked: boolean;
  /** An incoming message from a stranger, held as a message request until you accept or block the sender. */
  request: boolean;
}

/** A message to be sent, once its target is resolved. */
export interface OutgoingText {
  peerId: string;
  text: string;
}

/** The control API's answer to a send: the stored message and the id of its `queued` event. */
export interface SentMessage extends Message {
  eventId: number;
}

export interface PeerInfo {
  peerId: string;
  /** What to show: your petname for the peer when you gave one, else the name it claims. */
  name: string | null;
  /** The name the peer claims in its hello: anyone can claim any name. */
  claimedName: string | null;
  /** Your own name for a contact; wins over the claimed name. */
  petname: string | null;
  trust: TrustState;
  connected: boolean;
  addresses: string[];
  agent: string | null;
  /** True once the peer sent a hello or identify named it as p2pchat. */
  p2pchat: boolean;
  lastSeen: string | null;
}

export type ChatEventType =
  | 'message-received'
  | 'message-state-changed'
  | 'peer-connected'
  | 'peer-disconnected'
  /** A peer's trust state or petname changed: data { peerId, trust, petname }. */
  | 'trust-changed'
  /** Incoming messages were refused before being stored: data { peerId, count, reason }. */
  | 'message-refused'
  /** The data dir reached its storage budget; incoming messages are refused: data { usedBytes, maxBytes }. */
  | 'storage-full';

export interface ChatEvent {
  id: number;
  type: ChatEventType;
  time: string;
  data: Record<string, unknown>;
}

export interface StatusInfo {
  peerId: string;
  name: string;
  version: string;
  addresses: string[];
  socket: string;
  dataDir: string;
  pid: number;
  uptimeSeconds: number;
  mdns: boolean;
  network: string;
  peers: { connected: number; known: number };
  messages: { total: number; outbox: number };
  /** The database's size and its storage budget: at the budget, incoming messages are refused. */
  storage: { usedBytes: number; maxBytes: number };
  /** Who may message this daemon, and what strangers' message requests hold now. */
  trust: { inbound: InboundPolicy; contacts: number; blocked: number; requests: { strangers: number; bytes: number } };
  /** Limits a client checks before sending: `send --lines` checks every line against the frame size first. */
  limits: { maxFrameBytes: number };
}
