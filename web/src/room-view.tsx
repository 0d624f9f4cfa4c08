// One room: its history in the room's order (older pages load on scrolling up), live messages from
// the event stream, each line with its author; join and leave lines as such; the composer; the
// members, the invitation and leaving. Reading the history marks the room read at the daemon (as
// `p2pchat room history` does); live lines seen in a visible room are marked read with /v1/rooms/read.
import { useEffect, useRef, useState } from 'preact/hooks';
import { positionOf } from '../../src/rooms/room-order.js';
import type { ChatEvent, PeerInfo, RoomInfo, RoomMember, RoomMessage, SentRoomMessage } from '../../src/types.js';
import { errorText, get, post } from './api.js';
import { Composer, focusOnWideScreen, useDraft } from './composer.js';
import { clockTime, shortId } from './format.js';
import { ErrorLine, MessagePane, useScrollKeeper } from './message-pane.js';
import { Lock } from './room-list.js';
import { authorNames, lineKey, mergeLines, roomLabel } from './room-lines.js';
import { InvitePanel, LeavePanel, MembersPanel } from './room-panels.js';

/** Lines read per page: one screen and some. */
const PAGE = 50;
/** Live lines seen in a visible room are marked read at the daemon at most this often. */
const MARK_READ_MS = 300;

function Line({ m, author, mine }: { m: RoomMessage; author: string; mine: boolean }) {
  const time = <time dateTime={m.time}>{clockTime(m.time)}</time>;
  if (m.kind !== 'text') {
    return (
      <li class="room-event" data-author={m.author} data-kind={m.kind}>
        <span class="name">{author}</span> {m.kind === 'join' ? 'joined' : 'left'} · {time}
      </li>
    );
  }
  return (
    <li class={`message room-line ${mine ? 'out' : 'in'}`} data-author={m.author} data-seq={m.seq} data-key={lineKey(m)}>
      <span class="author">{author}</span>
      <p class="text">{m.text}</p>
      <span class="meta">{time}</span>
    </li>
  );
}

export function RoomView(props: {
  roomId: string;
  room: RoomInfo | undefined;
  self: { peerId: string; name: string };
  peers: PeerInfo[];
  listen(listener: (event: ChatEvent) => void): void;
  /** Something changed the rooms list (read, sent, joined, left): read it again. */
  changed(): void;
}) {
  const { roomId, room } = props;
  const path = `/v1/rooms/${encodeURIComponent(roomId)}`;
  const [lines, setLines] = useState<RoomMessage[]>([]);
  const [members, setMembers] = useState<RoomMember[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [panel, setPanel] = useState<'invite' | 'leave' | undefined>();
  const [showMembers, setShowMembers] = useState(() => window.matchMedia('(min-width: 901px)').matches);
  const composer = useRef<HTMLTextAreaElement>(null);
  const scroller = useScrollKeeper(lines);
  const markTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const name = room?.name ?? shortId(roomId);
  const nameOf = authorNames(props.self, members, props.peers, lines);

  /** The newest `limit` lines. Marks the room read. */
  const read = async (limit: number) => {
    const page = await get<RoomMessage[]>(`${path}/messages?limit=${limit}`);
    setLines((old) => mergeLines(old, page));
    setError(undefined);
    props.changed();
    return page;
  };

  const loadMembers = () =>
    void get<RoomMember[]>(`${path}/members`)
      .then(setMembers)
      .catch(() => {});

  const load = async () => {
    try {
      scroller.toBottom();
      setHasOlder((await read(PAGE)).length === PAGE);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  /** The page before the oldest line shown (the daemon's `before=` cursor); it marks nothing read. */
  const loadOlder = async () => {
    const oldest = lines[0];
    if (oldest === undefined) return;
    try {
      const before = encodeURIComponent(positionOf(oldest));
      const page = await get<RoomMessage[]>(`${path}/messages?limit=${PAGE}&before=${before}`);
      scroller.keepPosition();
      setLines((old) => mergeLines(old, page));
      setHasOlder(page.length === PAGE);
    } catch (err) {
      setError(errorText(err));
    }
  };

  /** Lines seen live in a visible room: the daemon marks the room read, which clears its unread count. */
  const markReadSoon = () => {
    if (document.visibilityState !== 'visible' || markTimer.current !== undefined) return;
    markTimer.current = setTimeout(() => {
      markTimer.current = undefined;
      void post<RoomInfo>('/v1/rooms/read', { room: roomId }).then(props.changed, () => {});
    }, MARK_READ_MS);
  };

  useEffect(() => {
    focusOnWideScreen(composer);
    void load();
    loadMembers();
    props.listen((event) => {
      if (event.type !== 'room-message') return;
      const m = event.data.message as RoomMessage;
      if (m.room !== roomId) return;
      if (scroller.nearBottom()) scroller.toBottom();
      setLines((old) => mergeLines(old, [m]));
      if (m.kind !== 'text') loadMembers();
      else if (m.author !== props.self.peerId) markReadSoon();
    });
    const visible = () => document.visibilityState === 'visible' && markReadSoon();
    document.addEventListener('visibilitychange', visible);
    return () => {
      props.listen(() => {});
      document.removeEventListener('visibilitychange', visible);
      clearTimeout(markTimer.current);
    };
  }, [roomId]);

  // Online counts change without a line (a member's daemon connects or goes): the list's counts tell.
  useEffect(loadMembers, [room?.members, room?.online, room?.member]);

  const draft = useDraft(
    async (text) => {
      const sent = await post<SentRoomMessage>('/v1/rooms/send', { room: roomId, text });
      scroller.toBottom();
      setLines((old) => mergeLines(old, [sent]));
      setError(undefined);
      props.changed();
    },
    (err) => setError(`Not sent: ${errorText(err)}`),
  );

  const rejoin = async () => {
    try {
      // An open room is joined by its name (its id follows from it); a private one by its id, as its key is kept here.
      await post<RoomInfo>('/v1/rooms/join', { room: room?.private ? roomId : name });
      setError(undefined);
      props.changed();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const left = room !== undefined && !room.member;
  return (
    <section class="conversation room" aria-label={`Room ${roomLabel(name)}`}>
      <header class="conversation-head">
        <a class="back" href="#/">
          ← Chats
        </a>
        <div class="who">
          <h1>
            {roomLabel(name)}
            {room?.private && (
              <>
                {' '}
                <Lock />
                <span class="sr-only">(private room)</span>
              </>
            )}
          </h1>
          <span class="meta">
            {room ? `${room.private ? 'private' : 'open'} room · ${room.online} of ${room.members} online` : 'room'}
            {left ? ' · you left' : ''}
          </span>
        </div>
        <div class="actions">
          <button type="button" aria-expanded={showMembers} onClick={() => setShowMembers(!showMembers)}>
            Members
          </button>
          {!left && (
            <button type="button" aria-expanded={panel === 'invite'} onClick={() => setPanel(panel === 'invite' ? undefined : 'invite')}>
              Invite
            </button>
          )}
          {left ? (
            <button type="button" onClick={() => void rejoin()}>
              Join again
            </button>
          ) : (
            <button type="button" class="danger" onClick={() => setPanel('leave')}>
              Leave
            </button>
          )}
        </div>
      </header>
      {panel === 'invite' && !left && (
        <InvitePanel roomId={roomId} name={name} isPrivate={room?.private ?? false} close={() => setPanel(undefined)} />
      )}
      {panel === 'leave' && !left && (
        <LeavePanel
          roomId={roomId}
          name={name}
          close={() => setPanel(undefined)}
          left={() => {
            setPanel(undefined);
            props.changed();
          }}
        />
      )}
      {left && <p class="notice">You left this room: its history stays here, and nothing new reaches you until you join again.</p>}
      <div class="room-body">
        <MessagePane
          keeper={scroller}
          label={`Messages in ${roomLabel(name)}`}
          hasOlder={hasOlder}
          loadOlder={loadOlder}
          empty={!loading && lines.length === 0}
        >
          {lines.map((m) => (
            <Line key={lineKey(m)} m={m} author={nameOf(m.author)} mine={m.author === props.self.peerId} />
          ))}
        </MessagePane>
        {showMembers && <MembersPanel members={members} room={room} />}
      </div>
      <ErrorLine error={error} />
      <Composer
        text={draft.text}
        onInput={draft.setText}
        placeholder={left ? 'Join the room again to write' : `Message ${roomLabel(name)}`}
        disabled={left}
        sending={draft.sending}
        onSubmit={(e) => void draft.submit(e)}
        inputRef={composer}
      />
    </section>
  );
}
