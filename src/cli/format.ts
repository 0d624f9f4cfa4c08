// Human-readable output: short peer ids, local times, aligned tables. Pure functions.
// Everything a peer controls goes through terminal-text.ts before it is printed; --json output
// never comes here and stays exact.
import type { ChatEvent, Message, PeerInfo, StatusInfo } from '../types.js';
import { reachabilityWords } from '../wan/reach-words.js';
import { uniquePrefixes } from './message-ids.js';
import { displayWidth, safeBodyLines, safeInline, safeName, truncate, wrapLine } from './terminal-text.js';

/** What a label needs to know of a peer; every field may be missing for a peer we know nothing of. */
export type PeerLook = Partial<Pick<PeerInfo, 'name' | 'petname' | 'claimedName' | 'trust'>>;

/** `12D3KooWAbc…xyz123`: enough to recognise a peer; the full id is in --json output. */
export function shortId(peerId: string): string {
  const safe = safeInline(peerId);
  return safe.length <= 20 ? safe : `${safe.slice(0, 12)}…${safe.slice(-6)}`;
}

/**
 * The name to show for a peer, safe for one line: your petname, followed by `~claimed` when the
 * peer claims another name (`bob ~robert`), else the name it claims; undefined when it has none.
 */
export function displayName(peer: PeerLook | undefined): string | undefined {
  if (!peer) return undefined;
  const petname = peer.petname ?? null;
  const claimed = peer.claimedName ?? null;
  if (petname !== null && claimed !== null && claimed !== petname) return `${safeName(petname)} ~${safeName(claimed)}`;
  const name = petname ?? peer.name ?? claimed;
  return name ? safeName(name) : undefined;
}

/** A peer that is not a contact: what labels add after its id. A peer we know nothing of is a stranger. */
function trustMark(peer: PeerLook | undefined): string {
  const trust = peer ? peer.trust : 'stranger';
  return trust === 'stranger' || trust === 'blocked' ? `, ${trust}` : '';
}

/** `bob (12D3KooWAbc…xyz123)`, `bob (12D3KooWAbc…xyz123, stranger)`, or the short id alone. */
export function peerLabel(peerId: string, peer: PeerLook | undefined): string {
  const name = displayName(peer);
  const mark = trustMark(peer);
  if (name === undefined) return mark ? `${shortId(peerId)} (${mark.slice(2)})` : shortId(peerId);
  return `${name} (${shortId(peerId)}${mark})`;
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

/** Lines for the terminal, none wider than `columns` when it is known (see wrapLine). */
function fit(lines: string[], columns: number | undefined, indent: string): string {
  if (!columns) return lines.join('\n');
  return lines.flatMap((line) => wrapLine(line, columns, indent)).join('\n');
}

/**
 * An aligned table. Cells must be safe already and single-line, except the last one, whose lines
 * after the first are indented to the last column, so a row's text never starts a line of its own.
 */
export function table(header: string[], rows: string[][], columns?: number): string {
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const pad = (cell: string, width: number) => cell + ' '.repeat(Math.max(0, width - displayWidth(cell)));
  const indent = ' '.repeat(widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0));
  const render = (cells: string[]): string[] => {
    const [first = '', ...more] = (cells[last] ?? '').split('\n');
    const head = [...cells.slice(0, last).map((c, i) => pad(c, widths[i] ?? 0)), first].join('  ').trimEnd();
    return [head, ...more.map((line) => `${indent}${line}`.trimEnd())];
  };
  return fit([render(header), ...rows.map(render)].flat(), columns, indent);
}

/** What `peers` says when it knows none: why, and what to do; LAN discovery only when mDNS is on. */
export function noPeersText(mdns: boolean): string {
  return mdns
    ? 'No peers known yet. Peers on the LAN appear within seconds; others: p2pchat connect <host:port>'
    : 'No peers known yet, and discovery (mDNS) is off: connect to one with p2pchat connect <host:port>';
}

/** How a connected peer is reached, in the STATUS column. */
const PATH_WORDS: Record<NonNullable<PeerInfo['path']>, string> = { lan: 'direct, LAN', wan: 'direct, WAN', relayed: 'relayed' };

/** The `Reach:` line of `status`: how peers beyond the LAN reach this daemon. */
export function reachabilityText(wan: StatusInfo['wan']): string {
  return reachabilityWords(wan, safeInline);
}

export function formatPeers(peers: PeerInfo[], columns?: number, mdns = true): string {
  if (peers.length === 0) return noPeersText(mdns);
  return table(
    ['NAME', 'PEER ID', 'TRUST', 'STATUS', 'LAST SEEN', 'ADDRESSES'],
    peers.map((p) => [
      displayName(p) ?? '-',
      safeInline(p.peerId),
      p.trust,
      p.connected ? (p.path ? `connected (${PATH_WORDS[p.path]})` : 'connected') : 'offline',
      p.connected ? 'now' : p.lastSeen ? localTime(p.lastSeen, true) : 'never',
      p.addresses.map(safeInline).join(' ') || '-',
    ]),
    columns,
  );
}

const ARROW = { in: '←', out: '→' } as const;

function messageState(m: Message): string {
  if (m.direction === 'in' && m.request) return 'request';
  if (m.direction === 'out' && !m.acked && m.state === 'sent') return 'sent (no acks)';
  return m.reason ? `${m.state} (${truncate(safeInline(m.reason), 24)})` : m.state;
}

/**
 * Messages as a table: SEQ is what `history --before/--after` take, ID a prefix unique among the
 * rows (what `cancel` and `retry` take). `empty` is what to say when there are none.
 */
export function formatHistory(messages: Message[], peers: Map<string, PeerLook>, columns?: number, empty = 'No messages yet.'): string {
  if (messages.length === 0) return empty;
  const ids = uniquePrefixes(messages.map((m) => m.id));
  return table(
    ['SEQ', 'ID', 'TIME', '', 'PEER', 'STATE', 'TEXT'],
    messages.map((m) => [
      String(m.seq),
      safeInline(ids.get(m.id) ?? m.id),
      localTime(m.time, true),
      ARROW[m.direction],
      peerLabel(m.peerId, peers.get(m.peerId)),
      messageState(m),
      safeBodyLines(m.text).join('\n'),
    ]),
    columns,
  );
}

/** Where the lines of a message after its first start in `watch` and `chat`: under the text, past the time. */
export const BODY_INDENT = ' '.repeat('00:00:00  '.length);

/**
 * A message as printed by `watch` and `chat`: the header, then the text; each further line of the
 * text indented under the header, so no message can print a line that looks like another's.
 */
export function messageBlock(header: string, text: string, columns?: number): string {
  const [first = '', ...more] = safeBodyLines(text);
  return fit([`${header}${first}`, ...more.map((line) => `${BODY_INDENT}${line}`)], columns, BODY_INDENT);
}

/** Keeps what `watch` knows of peers up to date from the events it prints. A missing name never erases a known one. */
export function notePeerEvent(event: ChatEvent, peers: Map<string, PeerLook>): void {
  const id = String(event.data.peerId);
  // `peer-named`: the name arrived after `peer-connected` (a hello comes after the connection), or changed.
  if (event.type === 'peer-connected' || event.type === 'peer-disconnected' || event.type === 'peer-named') {
    const known = peers.get(id);
    const name = typeof event.data.name === 'string' && event.data.name !== '' ? event.data.name : undefined;
    if (name === undefined) {
      if (!known) peers.set(id, { trust: 'stranger' });
      return;
    }
    // A contact's petname stays what is shown; the event's name is what the peer claims (or our petname).
    if (known) peers.set(id, known.petname ? known : { ...known, name, claimedName: known.claimedName ?? name });
    else peers.set(id, { name, claimedName: name, trust: 'stranger' });
  } else if (event.type === 'trust-changed') {
    const known = peers.get(id) ?? {};
    const petname = (event.data.petname as string | null | undefined) ?? null;
    peers.set(id, { ...known, trust: event.data.trust as PeerInfo['trust'], petname, name: petname ?? known.claimedName ?? null });
  }
}

/**
 * What `watch` prints for an event (maybe several lines), or undefined for events not worth a line.
 * With `showIds`, each event's first line ends with `#<event id>`, what `watch --since` takes.
 */
export function formatEvent(event: ChatEvent, peers: Map<string, PeerLook>, columns?: number, showIds = false): string | undefined {
  const tag = showIds ? `  #${event.id}` : '';
  if (event.type === 'message-received') {
    const m = event.data.message as Message;
    const header = `${localTime(event.time)}  ${m.request ? 'request from ' : ''}${peerLabel(m.peerId, peers.get(m.peerId))}: `;
    const block = messageBlock(header, m.text, columns);
    if (!showIds) return block;
    const [first = '', ...rest] = block.split('\n');
    return [`${first}${tag}`, ...rest].join('\n');
  }
  const line = eventLine(event, peers);
  return line === undefined ? undefined : fit([`${line}${tag}`], columns, BODY_INDENT);
}

/** The one line of an event other than a message. */
function eventLine(event: ChatEvent, peers: Map<string, PeerLook>): string | undefined {
  const at = localTime(event.time);
  const data = event.data;
  const who = (id: unknown) => peerLabel(String(id), peers.get(String(id)));
  // As a string: a newer daemon's event types (`daemon-stopping`) reach older type definitions.
  switch (event.type as string) {
    case 'message-state-changed': {
      const reason = data.reason ? ` (${safeInline(String(data.reason))})` : '';
      // The full id: a stream has no set of ids to shorten against (see message-ids.ts).
      return `${at}  → ${who(data.peerId)}: message ${safeInline(String(data.id))} ${safeInline(String(data.state))}${reason}`;
    }
    case 'peer-connected':
      return `${at}  * ${who(data.peerId)} connected`;
    case 'peer-disconnected':
      return `${at}  * ${who(data.peerId)} disconnected`;
    case 'peer-named':
      return `${at}  * ${who(data.peerId)} named itself`;
    case 'trust-changed':
      return `${at}  * ${who(data.peerId)} is now ${data.trust === 'contact' ? 'a contact' : safeInline(String(data.trust))}`;
    case 'message-refused':
      return `${at}  * refused ${Number(data.count) || 1} message(s) from ${who(data.peerId)} (${safeInline(String(data.reason))})`;
    case 'daemon-stopping':
      return `${at}  * the daemon is stopping`;
    case 'storage-full':
      return `${at}  * storage budget reached (${Number(data.usedBytes)} of ${Number(data.maxBytes)} bytes): incoming messages are refused`;
    default:
      return undefined;
  }
}
