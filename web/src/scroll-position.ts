// Where a message list scrolls after it changes: the decisions, apart from the DOM, so they can be
// tested without a browser. The list follows the newest line only when the reader is already at
// the bottom; an older page put in above keeps the lines the reader was looking at where they were.

/** Closer than this to the bottom, the reader is following the conversation. */
const NEAR_BOTTOM_PX = 80;
/** Scrolled this close to the top, the next older page loads. */
const NEAR_TOP_PX = 60;

/** What the next render should do with the scroll position; undefined leaves it alone. */
export type WantedScroll = { kind: 'bottom' } | { kind: 'keep'; height: number; top: number } | undefined;

/** The part of a scrolling element these decisions read. */
export interface ScrollBox {
  scrollHeight: number;
  scrollTop: number;
  clientHeight: number;
}

export function isNearBottom(box: ScrollBox): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
}

export function isNearTop(box: Pick<ScrollBox, 'scrollTop'>): boolean {
  return box.scrollTop < NEAR_TOP_PX;
}

/** Remembers what the reader sees now, to keep it in place when lines go in above. */
export function keepPosition(box: Pick<ScrollBox, 'scrollHeight' | 'scrollTop'>): WantedScroll {
  return { kind: 'keep', height: box.scrollHeight, top: box.scrollTop };
}

/** The scrollTop to set once the list has its new height, or undefined to leave it. */
export function scrollTopAfter(wanted: WantedScroll, scrollHeight: number): number | undefined {
  if (wanted === undefined) return undefined;
  if (wanted.kind === 'bottom') return scrollHeight;
  return scrollHeight - wanted.height + wanted.top;
}
