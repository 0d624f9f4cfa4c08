// The web app's scroll decisions for a message list (web/src/scroll-position.ts): when the list
// follows new lines, when the next older page loads, and where the reader stays when one goes in
// above. Bundled with the project's esbuild and imported from memory, as the app's sources are
// not compiled with the daemon.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { build } from 'esbuild';

type WantedScroll = { kind: 'bottom' } | { kind: 'keep'; height: number; top: number } | undefined;
interface ScrollBox {
  scrollHeight: number;
  scrollTop: number;
  clientHeight: number;
}

/** What web/src/scroll-position.ts exports (declared here: importing its types would compile the app's sources into dist). */
interface ScrollPosition {
  isNearBottom(box: ScrollBox): boolean;
  isNearTop(box: { scrollTop: number }): boolean;
  keepPosition(box: { scrollHeight: number; scrollTop: number }): WantedScroll;
  scrollTopAfter(wanted: WantedScroll, scrollHeight: number): number | undefined;
}

const SOURCE = fileURLToPath(new URL('../../../web/src/scroll-position.ts', import.meta.url));

async function loadScrollPosition(): Promise<ScrollPosition> {
  const out = await build({ entryPoints: [SOURCE], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  const code = (out.outputFiles[0] as { text: string }).text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as ScrollPosition;
}

describe('web app message list scrolling', () => {
  let scroll: ScrollPosition;
  before(async () => {
    scroll = await loadScrollPosition();
  });

  it('follows new lines only when the reader is at the bottom, or nearly', () => {
    // A 2000 px list in a 500 px window: the bottom is at scrollTop 1500.
    assert.equal(scroll.isNearBottom({ scrollHeight: 2000, clientHeight: 500, scrollTop: 1500 }), true);
    assert.equal(scroll.isNearBottom({ scrollHeight: 2000, clientHeight: 500, scrollTop: 1450 }), true);
    assert.equal(scroll.isNearBottom({ scrollHeight: 2000, clientHeight: 500, scrollTop: 1000 }), false);
    assert.equal(scroll.isNearBottom({ scrollHeight: 2000, clientHeight: 500, scrollTop: 0 }), false);
    // A list shorter than its window is always at the bottom.
    assert.equal(scroll.isNearBottom({ scrollHeight: 300, clientHeight: 500, scrollTop: 0 }), true);
  });

  it('loads the next older page when scrolled to the top, not before', () => {
    assert.equal(scroll.isNearTop({ scrollTop: 0 }), true);
    assert.equal(scroll.isNearTop({ scrollTop: 30 }), true);
    assert.equal(scroll.isNearTop({ scrollTop: 400 }), false);
  });

  it('goes to the bottom, keeps the lines in view when a page goes in above, or leaves the list alone', () => {
    assert.equal(scroll.scrollTopAfter({ kind: 'bottom' }, 2600), 2600);
    // The reader was 120 px down a 2000 px list; 900 px of older lines went in above.
    const kept = scroll.keepPosition({ scrollHeight: 2000, scrollTop: 120 });
    assert.deepEqual(kept, { kind: 'keep', height: 2000, top: 120 });
    assert.equal(scroll.scrollTopAfter(kept, 2900), 1020);
    // Nothing went in (a page of lines already shown): the reader stays where they were.
    assert.equal(scroll.scrollTopAfter(kept, 2000), 120);
    assert.equal(scroll.scrollTopAfter(undefined, 2600), undefined);
  });
});
