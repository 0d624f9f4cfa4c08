// Follows the daemon's event stream across restarts, for `watch` and `chat`. A clean stop shows as
// a `daemon-stopping` event followed by the end of the stream; a crash as the stream just ending.
// Either way the follower waits for the daemon to come back and goes on from the last event it saw,
// so nothing is missed or shown twice.
import { ApiResponseError, type ControlClient } from '../control/client.js';
import type { ChatEvent } from '../types.js';

export interface FollowHooks {
  onEvent(event: ChatEvent): void;
  /** The stream ended: `clean` when the daemon said it was stopping. */
  onLost(clean: boolean): void;
  /** The daemon answers again after onLost. */
  onBack(): void;
}

export interface Follower {
  /** Resolves when stop() is called; rejects when the first connection fails or the daemon refuses the stream. */
  done: Promise<void>;
  stop(): void;
  /** True between onLost and onBack. */
  readonly away: boolean;
}

/** What `watch` and `chat` say when the daemon goes away, and when it is back. */
export function lostText(clean: boolean): string {
  return clean
    ? 'the daemon stopped (a clean stop); waiting for it to start again (Ctrl-C leaves)'
    : 'lost the daemon without a clean stop (it crashed or was killed); waiting for it to come back (Ctrl-C leaves)';
}
export const BACK_TEXT = 'the daemon is back';

export function followEvents(client: ControlClient, since: number | undefined, hooks: FollowHooks, retryMs = 1000): Follower {
  let lastId = since;
  let opened = false;
  let away = false;
  let stopped = false;
  let sawStopping = false;
  let current: ReturnType<ControlClient['events']> | undefined;
  let wake: (() => void) | undefined;

  const run = async (): Promise<void> => {
    while (!stopped) {
      current = client.events(
        lastId,
        (event) => {
          lastId = event.id;
          if ((event.type as string) === 'daemon-stopping') sawStopping = true;
          hooks.onEvent(event);
        },
        () => {
          opened = true;
          if (away) {
            away = false;
            hooks.onBack();
          }
        },
      );
      try {
        await current.done;
      } catch (err) {
        // Before the first stream, no daemon is an error for the caller; after it, a restart (the
        // socket may be gone, refuse, or reset while the daemon starts). A refusal is an answer.
        if (!opened || err instanceof ApiResponseError) throw err;
      }
      if (stopped) return;
      if (!away) {
        away = true;
        hooks.onLost(sawStopping);
        sawStopping = false;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        // stop() wakes it at once, and the timer must not keep the process alive after that.
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  return {
    done: run(),
    stop: () => {
      stopped = true;
      current?.close();
      wake?.();
    },
    get away() {
      return away;
    },
  };
}
