// One conversation: its history (older pages load on scrolling up), live updates, the composer
// with delivery ticks, and the trust actions that fit the peer.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatEvent, Message, MessageState, PeerInfo, SentMessage } from '../../src/types.js';
import { errorText, get, post } from './api.js';
import { Composer, focusOnWideScreen, useDraft } from './composer.js';
import { clockTime, peerName, shortId, TICKS } from './format.js';
import { ErrorLine, MessagePane, useScrollKeeper } from './message-pane.js';
import type { RequestSummary } from './sidebar.js';

/** Messages read per page: one screen and some. */
const PAGE = 50;

function merge(messages: Message[], more: Message[]): Message[] {
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  for (const m of more) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function Tick({ message }: { message: Message }) {
  const tick = TICKS[message.state];
  const final = message.state === 'sent' && !message.acked ? 'sent (a plain chat peer: no delivery receipts)' : tick.words;
  const words = message.reason ? `${final}: ${message.reason}` : final;
  return (
    <span class={`tick tick-${message.state}`} data-state={message.state} title={words}>
      <span aria-hidden="true">{tick.symbol}</span>
      <span class="sr-only">{words}</span>
      {(message.state === 'failed' || message.state === 'expired' || message.state === 'cancelled') && (
        <span class="reason" aria-hidden="true">
          {' '}
          {words}
        </span>
      )}
    </span>
  );
}

export function Conversation(props: {
  peerId: string;
  peer: PeerInfo | undefined;
  request: RequestSummary | undefined;
  listen(listener: (event: ChatEvent) => void): void;
  markRead(peerId: string, messages: Message[]): void;
  changed(): void;
}) {
  const { peerId, peer } = props;
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const composer = useRef<HTMLTextAreaElement>(null);
  const scroller = useScrollKeeper(messages);
  /** States that events reported for messages not in the list yet (a send whose answer is still on its way). */
  const laterStates = useRef(new Map<string, { state: MessageState; reason?: string; acked?: boolean }>());
  const name = peerName(peer, peerId);

  const load = async () => {
    try {
      const page = await get<Message[]>(`/v1/messages?peer=${encodeURIComponent(peerId)}&limit=${PAGE}`);
      scroller.toBottom();
      setMessages((old) => merge(old, page));
      setHasOlder(page.length === PAGE);
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  const loadOlder = async () => {
    const oldest = messages[0];
    if (oldest === undefined) return;
    try {
      const page = await get<Message[]>(`/v1/messages?peer=${encodeURIComponent(peerId)}&limit=${PAGE}&before=${oldest.seq}`);
      scroller.keepPosition();
      setMessages((old) => merge(old, page));
      setHasOlder(page.length === PAGE);
    } catch (err) {
      setError(errorText(err));
    }
  };

  useEffect(() => {
    focusOnWideScreen(composer);
    void load();
    props.listen((event) => {
      if (event.type === 'message-received') {
        const message = event.data.message as Message;
        if (message.peerId !== peerId) return;
        if (scroller.nearBottom()) scroller.toBottom();
        setMessages((old) => merge(old, [message]));
      } else if (event.type === 'message-state-changed' && event.data.peerId === peerId) {
        const { id, state, reason, acked } = event.data as { id: string; state: MessageState; reason?: string; acked?: boolean };
        laterStates.current.set(id, { state, reason, acked });
        setMessages((old) => old.map((m) => (m.id === id && m.direction === 'out' ? { ...m, state, reason, acked: acked ?? m.acked } : m)));
      }
    });
    const visible = () => document.visibilityState === 'visible' && setMessages((m) => [...m]);
    document.addEventListener('visibilitychange', visible);
    return () => {
      props.listen(() => {});
      document.removeEventListener('visibilitychange', visible);
    };
  }, [peerId]);

  useEffect(() => {
    if (document.visibilityState === 'visible' && !loading) props.markRead(peerId, messages);
  }, [messages, loading]);

  const draft = useDraft(
    async (text) => {
      const sent = await post<SentMessage>('/v1/send', { to: peerId, text, id: crypto.randomUUID() });
      const later = laterStates.current.get(sent.id);
      const message: Message = later ? { ...sent, ...later, acked: later.acked ?? sent.acked } : sent;
      scroller.toBottom();
      setMessages((old) => merge(old, [message]));
      setError(undefined);
      props.changed();
    },
    (err) => setError(errorText(err)),
  );

  const act = async (path: string, body: unknown) => {
    try {
      const result = await post<Message | PeerInfo>(path, body);
      if ('seq' in result) setMessages((old) => merge(old, [result]));
      else await load();
      setError(undefined);
      props.changed();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const trust = peer?.trust ?? 'stranger';
  return (
    <section class="conversation" aria-label={`Conversation with ${name}`}>
      <header class="conversation-head">
        <a class="back" href="#/">
          ← Chats
        </a>
        <div class="who">
          <h1>{name}</h1>
          <span class="meta">
            <span title={peerId}>{shortId(peerId)}</span> · {peer?.connected ? 'online' : 'offline'} · {trust}
            {peer?.petname && peer.claimedName && peer.claimedName !== peer.petname ? ` · calls itself ${peer.claimedName}` : ''}
          </span>
        </div>
        <div class="actions">
          {trust === 'stranger' && (
            <button type="button" onClick={() => void act(props.request ? '/v1/requests/accept' : '/v1/contacts', { peer: peerId })}>
              {props.request ? 'Accept' : 'Add to contacts'}
            </button>
          )}
          {trust !== 'blocked' ? (
            <button type="button" class="danger" onClick={() => void act('/v1/block', { peer: peerId })}>
              Block
            </button>
          ) : (
            <button type="button" onClick={() => void act('/v1/unblock', { peer: peerId })}>
              Unblock
            </button>
          )}
        </div>
      </header>
      {props.request && (
        <p class="notice">
          A message request: {name} is a stranger.{' '}
          {props.request.count === 1 ? 'Its message is' : `Its ${props.request.count} messages are`} held until you accept or block it.
        </p>
      )}
      {trust === 'blocked' && <p class="notice">You blocked this peer: nothing it sends is stored, and you cannot write to it.</p>}
      <MessagePane
        keeper={scroller}
        label={`Messages with ${name}`}
        hasOlder={hasOlder}
        loadOlder={loadOlder}
        empty={!loading && messages.length === 0}
      >
        {messages.map((m) => (
          <li key={m.seq} class={`message ${m.direction}${m.request ? ' request' : ''}`} data-seq={m.seq} data-id={m.id}>
            <p class="text">{m.text}</p>
            <span class="meta">
              <time dateTime={m.time}>{clockTime(m.time)}</time>
              {m.direction === 'out' && <Tick message={m} />}
              {m.direction === 'out' && (m.state === 'failed' || m.state === 'expired' || m.state === 'cancelled') && (
                <button type="button" class="link" onClick={() => void act('/v1/messages/retry', { id: m.id })}>
                  Retry
                </button>
              )}
              {m.direction === 'out' && m.acked && (m.state === 'queued' || m.state === 'sent') && (
                <button type="button" class="link" onClick={() => void act('/v1/messages/cancel', { id: m.id })}>
                  Cancel
                </button>
              )}
            </span>
          </li>
        ))}
      </MessagePane>
      <ErrorLine error={error} />
      <Composer
        text={draft.text}
        onInput={draft.setText}
        placeholder={trust === 'blocked' ? 'Unblock this peer to write to it' : `Message ${name}`}
        disabled={trust === 'blocked'}
        sending={draft.sending}
        onSubmit={(e) => void draft.submit(e)}
        inputRef={composer}
      />
    </section>
  );
}
