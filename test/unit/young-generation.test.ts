// The daemon loads and starts with V8's young generation held at its initial size, then lets it
// grow (src/young-generation.ts). This test runs in its own process (node --test), so changing
// V8's flags here touches no other test.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { keepYoungGenerationSmall, letYoungGenerationGrow } from '../../src/young-generation.js';

const youngGenerationBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;

/** Allocates objects that survive (as start-up's do), which is what makes V8 grow the young generation. */
function allocateSurvivors(megabytes: number): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < megabytes * 1024; i++) kept.push({ index: i, payload: new Array(100).fill(i) });
  return kept;
}

it('holds the young generation at its size while start-up allocates, and lets it grow afterwards', () => {
  keepYoungGenerationSmall();
  const before = youngGenerationBytes();
  assert.ok(before > 0, 'V8 reports its young generation');
  const atStart = allocateSurvivors(64);
  // V8 may round its first growth up to a whole semi-space: one step, never the doublings to 16 MB.
  const held = youngGenerationBytes();
  assert.ok(held <= 2 * before, `held small: ${held} <= 2 × ${before}`);

  letYoungGenerationGrow();
  const underLoad = allocateSurvivors(64);
  const grown = youngGenerationBytes();
  assert.ok(grown > 2 * held, `grown once released: ${grown} > 2 × ${held}`);
  assert.ok(atStart.length > 0 && underLoad.length > 0);
});
