// The size of V8's young generation in the daemon's process: small while the daemon loads and
// starts, free to grow once it runs. Used by `p2pchat daemon` (src/cli/main.ts, before it loads
// the daemon) and by the daemon once it is ready (src/daemon/run.ts).
import { setFlagsFromString } from 'node:v8';

/** V8's own growth factor (`node --v8-options`): each growth doubles the young generation. */
const V8_DEFAULT_GROWTH_FACTOR = 2;

/**
 * V8 starts the young generation at 1 MB per semi-space and doubles it, up to 16 MB, whenever many
 * objects survive a scavenge. Loading and starting the daemon is such a time, and the young
 * generation it left behind (about 5 MB resident in an idle daemon) stayed until V8's memory reducer
 * ran, 10 to 30 s later or never. Its size limit can only be set on node's command line, but the
 * growth factor is read at each growth, so a factor of 1 keeps it at its initial size.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Under load, a larger young generation lets short-lived objects die young: held at 1 MB, storing
 * batches of 4 KiB messages cost about 15 % more CPU per message. So it may grow again once the
 * daemon runs.
 */
export function letYoungGenerationGrow(): void {
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}
