// Shapes shared by the daemon, the control API and the CLI. Types only: importing this costs nothing.

export type Direction = 'in' | 'out';

/**
 * queued: accepted, on disk, not yet written to the peer.
 * sent: written to the peer's stream (plain chat peers never ack, so for them this is final).
 * delivered: the receiver acked it after storing it durably.
 * expired: not delivered within the expiry time.
 * failed: the peer refused it for good (the reason says why).
 * cancelled: the user cancelled it while it was queued or awaiting its ack; it is not sent (again).
 * received: an incoming message.
 * A failed, expired or cancelled message can be queued again (`retry`), with the same id.
 */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'expired' | 'failed' | 'cancelled' | 'received';

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
  /** Chosen by the client, so that a send can be repeated safely: the same id is stored once. */
  id?: string | undefined;
}

/**
 * The control API's answer to a send: the stored message and the id of its `queued` event. For a
 * message whose id was already stored (`existing`), `eventId` is the newest event at the time of
 * the answer: waiting for events after it misses none of that message's later state changes.
 */
export interface SentMessage extends Message {
  eventId: number;
  existing?: true | undefined;
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
  /** How the peer is connected now: directly on a private network (lan), directly over the internet (wan), through a relay; null when not connected. */
  path?: ConnectionPath | null;
}

export type ConnectionPath = 'lan' | 'wan' | 'relayed';

/** How peers beyond the LAN reach this daemon (see docs/wan.md). */
export interface ReachabilityInfo {
  /** lan-only (beyond-the-LAN off), public (a public address announced), relayed (through `relays`), behind-nat (none yet). */
  mode: 'lan-only' | 'public' | 'relayed' | 'behind-nat';
  /** Relay peer ids this daemon holds a reservation on. */
  relays: string[];
  publicAddresses: string[];
  /** Peers holding a reservation on this daemon's relay; null when it is no relay. */
  relayReservations: number | null;
  /** Peers in the DHT's routing table; null when beyond-the-LAN is off. */
  dhtPeers: number | null;
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
  | 'storage-full'
  /** The name shown for a peer became known or changed (its hello, usually just after peer-connected): data { peerId, name }. */
  | 'peer-named'
  /** The daemon is stopping cleanly (stop, SIGTERM, SIGINT); the stream ends after it: data {}. */
  | 'daemon-stopping'
  /** A room message (text, join or leave) was stored: data { message: RoomMessage }. */
  | 'room-message'
  /** A member of a joined room came online in it or went: data { room, roomName, peerId, name, online }. */
  | 'room-presence';

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
  /** Beyond the LAN: how this daemon is reached. */
  wan?: ReachabilityInfo;
  /** The web app: where it listens (log in with `p2pchat web`), or why it does not run. */
  web?: { url: string } | { off: string };
}

// ---- trust: the vocabulary every part may use (the trust part itself is src/trust/) ----

/**
 * contact: accepted by the user (or listed in the config); stranger: met, not accepted;
 * blocked: refused at the connection level, never stored, never dialled.
 */
export type TrustState = 'contact' | 'stranger' | 'blocked';

/**
 * How messages from strangers are treated. open: everyone counts as a contact (a lab);
 * requests: kept as message requests within a quota until accepted or blocked; contacts: refused.
 */
export type InboundPolicy = 'open' | 'requests' | 'contacts';

/** What other parts may ask of the trust part: read-only and synchronous (it answers from memory). */
export interface TrustView {
  /** The peer's state; a peer never seen is a stranger. */
  stateOf(peerId: string): TrustState;
  /** The state that decides limits: under the `open` policy, strangers count as contacts. */
  effectiveStateOf(peerId: string): TrustState;
}

/** Why an incoming message was refused; also a metric label and the `reason` a sender records. */
export type RefusalReason = 'blocked' | 'contacts_only' | 'rate_limited' | 'quota' | 'storage_full' | 'invalid';

// ---- rooms (the rooms part itself is src/rooms/) ----

/** text: a message; join / leave: the author joined or left the room (membership travels as signed messages). */
export type RoomMessageKind = 'text' | 'join' | 'leave';

export interface RoomInfo {
  /** 32 hex digits: derived from the name for open rooms, random for private ones. */
  id: string;
  name: string;
  private: boolean;
  /** False once this daemon left the room (its history stays). */
  member: boolean;
  messages: number;
  /** Text messages from others stored since `room history` last showed this room. */
  unread: number;
  /** Members (joined, not left) as far as this daemon knows, and how many of them are reachable now. */
  members: number;
  online: number;
}

export interface RoomMessage {
  room: string;
  roomName: string;
  author: string;
  /** The author's own sequence number in this room: 1, 2, 3 ... with no gaps. */
  seq: number;
  /** Lamport clock: every member orders a room by (lamport, author). */
  lamport: number;
  kind: RoomMessageKind;
  /** Empty for join and leave. */
  text: string;
  /** The name the author claimed when joining (join messages only): a claim, like a hello's name. */
  name?: string | undefined;
  /** When the author sent it (author's clock), ISO 8601. */
  time: string;
  /** When this daemon stored it, ISO 8601. */
  storedAt: string;
}

/** The answer to a room send: the stored message and the id of its room-message event. */
export interface SentRoomMessage extends RoomMessage {
  eventId: number;
}

export interface RoomMember {
  peerId: string;
  /** Your petname, else the name it claims (its hello or its join message). */
  name: string | null;
  self: boolean;
  online: boolean;
  joinedAt: string;
}

export interface RoomInvitation {
  room: RoomInfo;
  /** `p2pchat-room:...`: what `room join` takes. Holds the room key of a private room: share it like a password. */
  invitation: string;
}
