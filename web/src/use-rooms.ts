// The rooms list (GET /v1/rooms) kept current: read again shortly after room messages and peer
// changes arrive on the event stream, and now and then for online counts, which change when a
// member's gossip subscription comes or goes (no event tells of that). The daemon's counts are the
// truth: its unread count rises as room messages are stored and clears when a room's history is read.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { RoomInfo } from '../../src/types.js';
import { get } from './api.js';

/** How often the list is read again while the page is visible, for online counts. */
const ONLINE_POLL_MS = 10_000;

export function useRooms(): { rooms: RoomInfo[]; refresh(): Promise<void>; refreshSoon(delayMs?: number): void } {
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Answers can come back out of order: only the newest request's answer is kept.
  const asked = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++asked.current;
    const list = await get<RoomInfo[]>('/v1/rooms');
    if (mine === asked.current) setRooms(list);
  }, []);

  /** One read for a burst of events: a read is scheduled unless one already is. */
  const refreshSoon = useCallback(
    (delayMs = 200) => {
      if (timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        void refresh().catch(() => {});
      }, delayMs);
    },
    [refresh],
  );

  useEffect(() => {
    const poll = setInterval(() => document.visibilityState === 'visible' && refreshSoon(0), ONLINE_POLL_MS);
    return () => {
      clearInterval(poll);
      clearTimeout(timer.current);
    };
  }, [refreshSoon]);

  return { rooms, refresh, refreshSoon };
}
