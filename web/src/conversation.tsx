// One conversation: its history (older pages load on scrolling up), live updates, the composer
// with delivery ticks, and the trust actions that fit the peer.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatEvent, Message, MessageState, PeerInfo, SentMessage } from '../../src/types.js';
import { ApiFailure, get, post } from './api.js';
import { clockTime, peerName, shortId, TICKS } from './format.js';
import type { RequestSummary } from './sidebar.js';

/** Messages read per page: one screen and some. */
const PAGE = 50;
/** Scrolled this close to the top, the next older page loads. */
const TOP_MARGIN_PX = 60;

type Scroll = { kind: 'bottom' } | { kind: 'keep'; height: number; top: number } | undefined;

function merge(messages: Message[], more: Message[]): Message[] {
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  for (const m of more) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function errorText(err: unknown): string {
  return err instanceof ApiFailure ? err.message : 'the daemon could not be reached';
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
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const list = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const scroll = useRef<Scroll>({ kind: 'bottom' });
  const loadingOlder = useRef(false);
  /** States that events reported for messages not in the list yet (a send whose answer is still on its way). */
  const laterStates = useRef(new Map<string, { state: MessageState; reason?: string; acked?: boolean }>());
  const name = peerName(peer, peerId);

  const nearBottom = () => {
    const el = list.current;
    return el === null || el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  const load = async () => {
    try {
      const page = await get<Message[]>(`/v1/messages?peer=${encodeURIComponent(peerId)}&limit=${PAGE}`);
      scroll.current = { kind: 'bottom' };
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
    if (loadingOlder.current || !hasOlder || oldest === undefined) return;
    loadingOlder.current = true;
    try {
      const page = await get<Message[]>(`/v1/messages?peer=${encodeURIComponent(peerId)}&limit=${PAGE}&before=${oldest.seq}`);
      const el = list.current;
      scroll.current = el ? { kind: 'keep', height: el.scrollHeight, top: el.scrollTop } : undefined;
      setMessages((old) => merge(old, page));
      setHasOlder(page.length === PAGE);
    } catch (err) {
      setError(errorText(err));
    } finally {
      loadingOlder.current = false;
    }
  };

  useEffect(() => {
    // Opening a conversation with the keyboard lands in its message box (not on a phone, where
    // focusing would pop the on-screen keyboard over the messages).
    if (window.matchMedia('(min-width: 701px)').matches) composer.current?.focus();
    void load();
    props.listen((event) => {
      if (event.type === 'message-received') {
        const message = event.data.message as Message;
        if (message.peerId !== peerId) return;
        if (nearBottom()) scroll.current = { kind: 'bottom' };
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

  useLayoutEffect(() => {
    const el = list.current;
    const wanted = scroll.current;
    scroll.current = undefined;
    if (!el || !wanted) return;
    if (wanted.kind === 'bottom') el.scrollTop = el.scrollHeight;
    else el.scrollTop = el.scrollHeight - wanted.height + wanted.top;
  }, [messages]);

  const send = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === '' || sending) return;
    setSending(true);
    try {
      const sent = await post<SentMessage>('/v1/send', { to: peerId, text, id: crypto.randomUUID() });
      const later = laterStates.current.get(sent.id);
      const message: Message = later ? { ...sent, ...later, acked: later.acked ?? sent.acked } : sent;
      scroll.current = { kind: 'bottom' };
      setMessages((old) => merge(old, [message]));
      setText('');
      setError(undefined);
      props.changed();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  };

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

  const onKey = (event: KeyboardEvent) => {
    // Enter sends, Shift+Enter starts a new line (as in most chat apps).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) void send(event);
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
      <div
        class="messages"
        ref={list}
        role="log"
        aria-label={`Messages with ${name}`}
        onScroll={(e) => (e.currentTarget as HTMLElement).scrollTop < TOP_MARGIN_PX && void loadOlder()}
      >
        <ol class="message-list">
          {hasOlder && (
            <li class="older">
              <button type="button" onClick={() => void loadOlder()}>
                Load older messages
              </button>
            </li>
          )}
          {!loading && messages.length === 0 && <li class="empty">No messages yet.</li>}
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
        </ol>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form class="composer" onSubmit={(e) => void send(e)}>
        <label for="composer-text" class="sr-only">
          Message
        </label>
        <textarea
          id="composer-text"
          ref={composer}
          rows={2}
          placeholder={trust === 'blocked' ? 'Unblock this peer to write to it' : `Message ${name}`}
          value={text}
          disabled={trust === 'blocked'}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={onKey}
        />
        <button type="submit" disabled={sending || text.trim() === '' || trust === 'blocked'}>
          Send
        </button>
      </form>
    </section>
  );
}
