// The app: state from the daemon API, kept current by the event stream, and the views around it.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ChatEvent, Message, PeerInfo, RoomInfo, StatusInfo } from '../../src/types.js';
import { get, whenLoggedOut } from './api.js';
import { Conversation } from './conversation.js';
import { followEvents, type LiveState } from './live.js';
import { PeersPage } from './peers-page.js';
import { RoomForms } from './room-forms.js';
import { RoomList } from './room-list.js';
import { RoomView } from './room-view.js';
import { type RequestSummary, Sidebar } from './sidebar.js';
import { StatusPage } from './status-page.js';
import { countUnread, loadMarks, markAfter, type ReadMarks, saveMarks } from './unread.js';
import { useRooms } from './use-rooms.js';

type Route = { page: 'chats'; peerId?: string; roomId?: string; joinRoom?: boolean } | { page: 'peers' } | { page: 'status' };

function parseRoute(hash: string): Route {
  const [, page, arg] = hash.replace(/^#/, '').split('/');
  if (page === 'peers') return { page: 'peers' };
  if (page === 'status') return { page: 'status' };
  if (page === 'chat' && arg) return { page: 'chats', peerId: decodeURIComponent(arg) };
  if (page === 'room' && arg) return { page: 'chats', roomId: decodeURIComponent(arg) };
  if (page === 'rooms' && arg === 'join') return { page: 'chats', joinRoom: true };
  return { page: 'chats' };
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'connecting…',
  live: 'live',
  offline: 'daemon not answering: reconnecting…',
  stopped: 'daemon stopped: reconnecting when it is back…',
  'logged-out': 'logged out',
};

/** How many of each conversation's newest messages are read to count its unread ones (the badge shows 99+ past that). */
const UNREAD_SCAN = 100;

export function App() {
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [status, setStatus] = useState<StatusInfo>();
  const [peers, setPeers] = useState<PeerInfo[]>([]);
  const [requests, setRequests] = useState<RequestSummary[]>([]);
  const [unread, setUnread] = useState<Record<string, number>>({});
  const [live, setLive] = useState<LiveState>('connecting');
  const [loggedOut, setLoggedOut] = useState(false);
  /** Events for the open conversation: it applies them to its own messages. */
  const conversationListener = useRef<((event: ChatEvent) => void) | undefined>(undefined);
  /** Events for the open room, likewise. */
  const roomListener = useRef<((event: ChatEvent) => void) | undefined>(undefined);
  const rooms = useRooms();
  const marks = useRef<ReadMarks>({});
  const self = useRef<string>('');
  const routeRef = useRef(route);
  routeRef.current = route;

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    whenLoggedOut(() => setLoggedOut(true));
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const refreshPeers = useCallback(async () => {
    const [p, r] = await Promise.all([get<PeerInfo[]>('/v1/peers'), get<RequestSummary[]>('/v1/requests')]);
    setPeers(p);
    setRequests(r);
    return { p, r };
  }, []);

  const refreshStatus = useCallback(async () => setStatus(await get<StatusInfo>('/v1/status')), []);

  /** Counts unread messages of the conversations shown, from their newest messages and this browser's read marks. */
  const refreshUnread = useCallback(async (peerIds: string[], firstVisit: boolean) => {
    const counts: Record<string, number> = {};
    await Promise.all(
      peerIds.map(async (peerId) => {
        const messages = await get<Message[]>(`/v1/messages?peer=${encodeURIComponent(peerId)}&limit=${UNREAD_SCAN}`);
        // On a browser's first visit, what is already there counts as read: unread means "arrived since".
        if (firstVisit) marks.current = { ...marks.current, [peerId]: markAfter(messages, marks.current[peerId]) };
        counts[peerId] = countUnread(messages, marks.current[peerId]);
      }),
    );
    if (firstVisit) saveMarks(self.current, marks.current);
    setUnread((old) => ({ ...old, ...counts }));
  }, []);

  const reloadAll = useCallback(async () => {
    const st = await get<StatusInfo>('/v1/status');
    setStatus(st);
    let firstVisit = false;
    if (self.current !== st.peerId) {
      self.current = st.peerId;
      const stored = loadMarks(st.peerId);
      firstVisit = stored === undefined;
      marks.current = stored ?? {};
    }
    void rooms.refresh().catch(() => {});
    const { p, r } = await refreshPeers();
    const shown = [...new Set([...p.filter((x) => x.trust !== 'blocked').map((x) => x.peerId), ...r.map((x) => x.peerId)])];
    await refreshUnread(shown, firstVisit);
  }, [refreshPeers, refreshUnread, rooms.refresh]);

  /** The user has seen these messages of a conversation. */
  const markRead = useCallback((peerId: string, messages: Message[]) => {
    const mark = markAfter(messages, marks.current[peerId]);
    if (mark !== marks.current[peerId]) {
      marks.current = { ...marks.current, [peerId]: mark };
      saveMarks(self.current, marks.current);
    }
    setUnread((old) => (old[peerId] ? { ...old, [peerId]: 0 } : old));
  }, []);

  useEffect(() => {
    let peersTimer: ReturnType<typeof setTimeout> | undefined;
    // Many peer events come together (a reconnect): read the lists once for all of them.
    const peersChanged = () => {
      clearTimeout(peersTimer);
      peersTimer = setTimeout(() => void refreshPeers().catch(() => {}), 150);
    };
    const onEvent = (event: ChatEvent) => {
      conversationListener.current?.(event);
      roomListener.current?.(event);
      switch (event.type) {
        case 'room-message':
        case 'room-presence':
          rooms.refreshSoon();
          break;
        case 'message-received': {
          const message = event.data.message as Message;
          const open =
            routeRef.current.page === 'chats' && routeRef.current.peerId === message.peerId && document.visibilityState === 'visible';
          if (!open && message.seq > (marks.current[message.peerId] ?? 0)) {
            setUnread((old) => ({ ...old, [message.peerId]: (old[message.peerId] ?? 0) + 1 }));
          }
          if (message.request) peersChanged();
          break;
        }
        case 'peer-connected':
        case 'peer-disconnected':
        case 'peer-named':
        case 'trust-changed':
          peersChanged();
          // A member's daemon came or went: room online counts follow once its gossip subscription does.
          rooms.refreshSoon(1500);
          break;
        default:
          break;
      }
    };
    const stop = followEvents({
      onEvent,
      onState: (state) => {
        setLive(state);
        if (state === 'logged-out') setLoggedOut(true);
      },
      onReconnected: () => void reloadAll().catch(() => {}),
    });
    void reloadAll().catch(() => {});
    return () => {
      stop();
      clearTimeout(peersTimer);
    };
  }, [reloadAll, refreshPeers, rooms.refreshSoon]);

  const openRoomId = route.page === 'chats' ? route.roomId : undefined;
  /** A room's unread count as the daemon keeps it; none for the room being looked at (the view marks it read). */
  const roomUnread = (room: RoomInfo) => (room.id === openRoomId && document.visibilityState === 'visible' ? 0 : room.unread);
  const totalUnread = Object.values(unread).reduce((sum, n) => sum + n, 0) + rooms.rooms.reduce((sum, room) => sum + roomUnread(room), 0);
  useEffect(() => {
    document.title = totalUnread > 0 ? `(${totalUnread}) p2pchat` : 'p2pchat';
  }, [totalUnread]);

  if (loggedOut) {
    return (
      <main class="logged-out">
        <h1>p2pchat</h1>
        <p>This browser is not logged in (the session ended or was never started).</p>
        <p>
          Run <code>p2pchat web</code> on this machine and open the link it prints.
        </p>
      </main>
    );
  }

  const peerById = new Map(peers.map((p) => [p.peerId, p]));
  const openPeerId = route.page === 'chats' ? route.peerId : undefined;
  const joining = route.page === 'chats' && route.joinRoom === true;
  const refreshRooms = () => void rooms.refresh().catch(() => {});
  return (
    <div class={`layout page-${route.page}${openPeerId || openRoomId || joining ? ' has-conversation' : ''}`}>
      <header class="topbar">
        <a class="brand" href="#/">
          p2pchat
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'chats' ? 'page' : undefined}>
            Chats
          </a>
          <a href="#/peers" aria-current={route.page === 'peers' ? 'page' : undefined}>
            Peers
          </a>
          <a href="#/status" aria-current={route.page === 'status' ? 'page' : undefined}>
            Status
          </a>
        </nav>
        <span class={`live live-${live}`} role="status" data-live={live}>
          {status ? `${status.name} · ` : ''}
          {LIVE_TEXT[live]}
        </span>
      </header>
      {route.page === 'chats' && (
        <>
          <Sidebar peers={peers} requests={requests} unread={unread} openPeerId={openPeerId}>
            <RoomList rooms={rooms.rooms} unread={roomUnread} openRoomId={openRoomId} joining={joining} />
          </Sidebar>
          <main class="content" id="main">
            {openRoomId ? (
              <RoomView
                key={openRoomId}
                roomId={openRoomId}
                room={rooms.rooms.find((r) => r.id === openRoomId)}
                self={{ peerId: status?.peerId ?? '', name: status?.name ?? '' }}
                peers={peers}
                listen={(listener) => (roomListener.current = listener)}
                changed={refreshRooms}
              />
            ) : joining ? (
              <RoomForms changed={refreshRooms} />
            ) : openPeerId ? (
              <Conversation
                key={openPeerId}
                peerId={openPeerId}
                peer={peerById.get(openPeerId)}
                request={requests.find((r) => r.peerId === openPeerId)}
                listen={(listener) => (conversationListener.current = listener)}
                markRead={markRead}
                changed={() => void refreshPeers().catch(() => {})}
              />
            ) : (
              <p class="empty">Choose a conversation or a room, or find a peer on the Peers page.</p>
            )}
          </main>
        </>
      )}
      {route.page === 'peers' && (
        <main class="content wide" id="main">
          <PeersPage peers={peers} requests={requests} changed={() => void refreshPeers().catch(() => {})} />
        </main>
      )}
      {route.page === 'status' && (
        <main class="content wide" id="main">
          <StatusPage
            status={status}
            live={LIVE_TEXT[live]}
            refresh={() => void refreshStatus().catch(() => {})}
            loggedOut={() => setLoggedOut(true)}
          />
        </main>
      )}
    </div>
  );
}
