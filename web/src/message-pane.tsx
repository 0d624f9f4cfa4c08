// The scrolling message list that a conversation and a room share: the pane itself (older pages
// load on scrolling up or with a button), the hook that keeps its scroll position across updates,
// and the error line under it. What a line shows is the view's own: it passes the lines as children.
import type { ComponentChildren, RefObject } from 'preact';
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { isNearBottom, isNearTop, keepPosition, scrollTopAfter, type WantedScroll } from './scroll-position.js';

export interface ScrollKeeper {
  /** The scrolling element: give it to MessagePane. */
  list: RefObject<HTMLDivElement | null>;
  /** The reader is at (or close to) the newest line, so a new one may scroll into view. */
  nearBottom(): boolean;
  /** After the next update, show the newest line. */
  toBottom(): void;
  /** After the next update (lines put in above), keep the lines the reader sees now in place. */
  keepPosition(): void;
}

/**
 * Scroll requests for a list of `items`: made before the items change, applied once the update is
 * laid out (before paint, so the list does not jump). A list opens at its bottom.
 */
export function useScrollKeeper(items: unknown): ScrollKeeper {
  const list = useRef<HTMLDivElement>(null);
  const wanted = useRef<WantedScroll>({ kind: 'bottom' });
  // Event listeners keep the keeper of the render they were made in: one object for the view's life.
  const keeper = useMemo<ScrollKeeper>(
    () => ({
      list,
      nearBottom: () => list.current === null || isNearBottom(list.current),
      toBottom: () => {
        wanted.current = { kind: 'bottom' };
      },
      keepPosition: () => {
        wanted.current = list.current ? keepPosition(list.current) : undefined;
      },
    }),
    [],
  );
  useLayoutEffect(() => {
    const el = list.current;
    const top = scrollTopAfter(wanted.current, el?.scrollHeight ?? 0);
    wanted.current = undefined;
    if (el && top !== undefined) el.scrollTop = top;
  }, [items]);
  return keeper;
}

export function MessagePane(props: {
  keeper: ScrollKeeper;
  /** The log's accessible name, e.g. "Messages with alice". */
  label: string;
  hasOlder: boolean;
  /** Reads the next older page into the view; handles its own errors. Called one at a time. */
  loadOlder(): Promise<void>;
  /** Loaded, and nothing to show. */
  empty: boolean;
  children: ComponentChildren;
}) {
  // Scroll events come many a second near the top: one page at a time.
  const loadingOlder = useRef(false);
  const loadOlder = async () => {
    if (loadingOlder.current || !props.hasOlder) return;
    loadingOlder.current = true;
    try {
      await props.loadOlder();
    } finally {
      loadingOlder.current = false;
    }
  };
  return (
    <div
      class="messages"
      ref={props.keeper.list}
      role="log"
      aria-label={props.label}
      onScroll={(e) => isNearTop(e.currentTarget as HTMLElement) && void loadOlder()}
    >
      <ol class="message-list">
        {props.hasOlder && (
          <li class="older">
            <button type="button" onClick={() => void loadOlder()}>
              Load older messages
            </button>
          </li>
        )}
        {props.empty && <li class="empty">No messages yet.</li>}
        {props.children}
      </ol>
    </div>
  );
}

export function ErrorLine({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}
