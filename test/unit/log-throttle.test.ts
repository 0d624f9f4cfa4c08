import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LogThrottle } from '../../src/log-throttle.js';

it('lets the first line of a cause through, then one per interval with the count in between', () => {
  let now = 0;
  const throttle = new LogThrottle(10_000, () => now);
  assert.equal(throttle.admit('disk'), 0);
  for (let i = 0; i < 89; i++) assert.equal(throttle.admit('disk'), undefined);
  assert.equal(throttle.admit('other'), 0, 'causes are counted apart');
  now = 9_999;
  assert.equal(throttle.admit('disk'), undefined);
  now = 10_000;
  assert.equal(throttle.admit('disk'), 90);
  now = 25_000;
  assert.equal(throttle.admit('disk'), 0);
});
