// The conversations: contacts and anyone with unread messages, message requests from strangers,
// then the rooms.
import type { ComponentChildren } from 'preact';
import type { PeerInfo } from '../../src/types.js';
import { peerName, shortId } from './format.js';

export interface RequestSummary {
  peerId: string;
  count: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  peer: PeerInfo;
}

export function Badge({ count }: { count: number | undefined }) {
  if (!count) return null;
  return (
    <span class="badge" data-testid="unread">
      {count > 99 ? '99+' : count}
      <span class="sr-only"> unread</span>
    </span>
  );
}

function Entry({
  peer,
  peerId,
  unread,
  open,
  note,
}: {
  peer: PeerInfo | undefined;
  peerId: string;
  unread: number | undefined;
  open: boolean;
  note?: string;
}) {
  const online = peer?.connected === true;
  return (
    <li>
      <a
        href={`#/chat/${encodeURIComponent(peerId)}`}
        class="conversation-link"
        aria-current={open ? 'page' : undefined}
        data-peer={peerId}
      >
        <span class={`dot ${online ? 'online' : 'offline'}`} aria-hidden="true" />
        <span class="who">
          <span class="name">{peerName(peer, peerId)}</span>
          <span class="meta">
            {shortId(peerId)} · {online ? 'online' : 'offline'}
            {note ? ` · ${note}` : ''}
          </span>
        </span>
        <Badge count={unread} />
      </a>
    </li>
  );
}

export function Sidebar(props: {
  peers: PeerInfo[];
  requests: RequestSummary[];
  unread: Record<string, number>;
  openPeerId: string | undefined;
  /** The rooms section (room-list.tsx), below the conversations. */
  children?: ComponentChildren;
}) {
  const requesting = new Set(props.requests.map((r) => r.peerId));
  const conversations = props.peers.filter(
    (p) =>
      !requesting.has(p.peerId) &&
      p.trust !== 'blocked' &&
      (p.trust === 'contact' || (props.unread[p.peerId] ?? 0) > 0 || p.peerId === props.openPeerId),
  );
  conversations.sort((a, b) => Number(b.connected) - Number(a.connected) || peerName(a, a.peerId).localeCompare(peerName(b, b.peerId)));
  return (
    <nav class="sidebar" aria-label="Conversations">
      <h2>Conversations</h2>
      {conversations.length === 0 ? (
        <p class="hint">No contacts yet. Peers on your LAN appear on the Peers page.</p>
      ) : (
        <ul>
          {conversations.map((p) => (
            <Entry key={p.peerId} peer={p} peerId={p.peerId} unread={props.unread[p.peerId]} open={p.peerId === props.openPeerId} />
          ))}
        </ul>
      )}
      {props.requests.length > 0 && (
        <>
          <h2>Message requests</h2>
          <ul>
            {props.requests.map((r) => (
              <Entry
                key={r.peerId}
                peer={r.peer}
                peerId={r.peerId}
                unread={props.unread[r.peerId]}
                open={r.peerId === props.openPeerId}
                note={`stranger, ${r.count} held`}
              />
            ))}
          </ul>
        </>
      )}
      {props.children}
    </nav>
  );
}
