// The daemon's event stream in the browser: an EventSource, which reconnects by itself (sending
// Last-Event-ID, so nothing is missed) while the daemon restarts. When the server answered an
// error instead (the stream is then closed for good), we check the session and open a new one.
import type { ChatEvent } from '../../src/types.js';
import { ApiFailure, loadSession } from './api.js';

/** live: connected; offline: the daemon is not answering (restarting?); stopped: it said it stopped; logged-out: the session is gone. */
export type LiveState = 'connecting' | 'live' | 'offline' | 'stopped' | 'logged-out';

export interface LiveHandlers {
  onEvent(event: ChatEvent): void;
  onState(state: LiveState): void;
  /** The stream is back after an interruption: what it did not carry (before the first event id was known) should be read again. */
  onReconnected(): void;
}

const RETRY_MS = 2000;

export function followEvents(handlers: LiveHandlers): () => void {
  let lastId: number | undefined;
  let source: EventSource | undefined;
  let interrupted = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;

  const open = () => {
    if (ended) return;
    source = new EventSource(lastId === undefined ? '/api/v1/events' : `/api/v1/events?since=${lastId}`);
    source.onopen = () => {
      stopped = false;
      handlers.onState('live');
      if (interrupted) handlers.onReconnected();
      interrupted = false;
    };
    source.onmessage = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as ChatEvent;
      lastId = event.id;
      if (event.type === 'daemon-stopping') {
        stopped = true;
        handlers.onState('stopped');
      }
      handlers.onEvent(event);
    };
    source.onerror = () => {
      interrupted = true;
      if (!stopped) handlers.onState('offline');
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        timer = setTimeout(check, RETRY_MS);
      }
    };
  };

  const check = async () => {
    try {
      await loadSession();
      open();
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) handlers.onState('logged-out');
      else timer = setTimeout(check, RETRY_MS);
    }
  };

  handlers.onState('connecting');
  open();
  return () => {
    ended = true;
    clearTimeout(timer);
    source?.close();
  };
}
