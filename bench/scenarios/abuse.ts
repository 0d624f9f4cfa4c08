// Scenario 8: abuse. A stranger (a bare libp2p peer, a fresh identity for each kind of flood)
// writes to a daemon at full speed for 30 s, once with plain 100 B text frames and once with
// p2pchat envelopes, while a contact of the daemon exchanges messages with it. Reported: how much
// the victim's database grew against the stranger quota, the contact's round trip under the flood
// against idle (measured in the same run), and the victim's peak RSS.
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/load.js';
import { DATABASE_FILE } from '../../src/store/store.js';
import type { MessageRequests } from '../../src/trust/trust-api.js';
import type { FloodKind, FloodReport } from '../peers/flood-peer.js';
import { Helper } from '../lib/child.js';
import { type BenchDaemon, connectDaemons, DaemonSet } from '../lib/daemons.js';
import { EventWatch } from '../lib/events.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { textOf } from '../lib/senders.js';
import { latencyPercentiles } from '../lib/stats.js';
import { DatabaseSize, dataDirBytes, RssSampler } from '../lib/victim.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Pause between the contact's round trips. The contact's own messages are stored too; paced, there
 * are few enough of them that their cost (measured while idle) can be taken out of the growth.
 */
const PROBE_GAP_MS = 100;
/** A round trip not seen by then counts as lost, and the scenario goes on. */
const PROBE_TIMEOUT_MS = 10_000;
/** After the flood: time for the victim to finish what it had read before the growth is measured. */
const SETTLE_MS = 2000;
/** The stranger's process priority (nice): the lowest, see where it is set. */
const STRANGER_NICE = 19;
const FLOOD_KINDS: FloodKind[] = ['text', 'envelope'];

interface RoundTrips {
  ms: number[];
  lost: number;
}

/** The contact sends to the victim, one message at a time, until `until` settles; each timed to the victim's event. */
async function roundTrips(
  contact: BenchDaemon,
  victim: BenchDaemon,
  watch: EventWatch,
  prefix: string,
  until: Promise<unknown> | number,
): Promise<RoundTrips> {
  const result: RoundTrips = { ms: [], lost: 0 };
  let done = false;
  if (typeof until !== 'number') void until.finally(() => (done = true)).catch(() => {});
  for (let i = 0; typeof until === 'number' ? i < until : !done; i++) {
    const text = textOf(`${prefix}-${i}-`, 100);
    const arrived = watch.whenReceivedText(text);
    const start = performance.now();
    await contact.client.request('POST', '/v1/send', { to: victim.peerId, text });
    const at = await Promise.race([arrived, sleep(PROBE_TIMEOUT_MS).then(() => undefined)]);
    if (at === undefined) result.lost++;
    else result.ms.push(at - start);
    await sleep(PROBE_GAP_MS);
  }
  return result;
}

export const abuseScenario: Scenario = {
  id: 'abuse',
  title: '8. Abuse: a stranger floods a daemon while a contact exchanges messages with it',
  async run(ctx: BenchContext): Promise<void> {
    const set = new DaemonSet(ctx.options.homes);
    const add = (name: string, unit: string, value: number, extra: { baselines?: string[]; note?: string } = {}) =>
      ctx.results.add('abuse', name, unit, 'lower', [value], extra);
    let watch: EventWatch | undefined;
    let db: DatabaseSize | undefined;
    let rss: RssSampler | undefined;
    try {
      const [victim, contact] = await Promise.all([set.start({ name: 'victim' }), set.start({ name: 'contact' })]);
      // Contacts of each other: dialling makes the victim a contact of the contact, which the victim accepts.
      await connectDaemons(contact, victim, ctx.log);
      // The limits the victim runs with, from its own config (defaults, its config file, the environment).
      const config = loadConfig({ home: victim.home });
      const quota = config.trust.strangerQuota;
      ctx.log(
        `  abuse: policy ${config.trust.inbound}, stranger quota ${quota.messages} messages / ${quota.bytes} B, ` +
          `stranger rate ${config.limits.rate.stranger.messagesPerSecond} msg/s`,
      );
      add('stranger quota (config)', 'KiB', quota.bytes / 1024, { note: `${quota.messages} messages` });

      watch = await EventWatch.open(victim.client.socketPath);
      watch.trackKeys = true;
      db = new DatabaseSize(join(victim.status.dataDir, DATABASE_FILE));
      rss = new RssSampler(victim);

      // Idle: the round trip without a flood, and what one round trip adds to the victim's database.
      await roundTrips(contact, victim, watch, 'warm', ctx.count(30, 10));
      const idleBefore = db.usedBytes();
      const idle = await roundTrips(contact, victim, watch, 'idle', ctx.count(200, 40));
      await sleep(SETTLE_MS);
      const bytesPerRoundTrip = (db.usedBytes() - idleBefore) / Math.max(1, idle.ms.length + idle.lost);
      const idleLatency = latencyPercentiles(idle.ms);
      add('contact round trip, idle, p50', 'ms', idleLatency.p50);
      add('contact round trip, idle, p99', 'ms', idleLatency.p99);

      const seconds = ctx.count(30, 4);
      for (const kind of FLOOD_KINDS) {
        const label = kind === 'text' ? '100 B text frames' : '100 B p2pchat envelopes';
        const { helper } = await Helper.start<boolean>('peers/flood-peer.js', []);
        // On a LAN the stranger runs on a machine of its own. Here it shares the cores with the victim
        // and the contact: at the lowest priority it takes only CPU they leave, and still writes as
        // fast as the victim reads.
        if (helper.proc.pid !== undefined) setPriority(helper.proc.pid, STRANGER_NICE);
        try {
          const dirBefore = dataDirBytes(victim.status.dataDir);
          const dbBefore = db.usedBytes();
          const flooding = helper.call<FloodReport>({ cmd: 'flood', address: victim.address, kind, seconds, size: 100 });
          const during = await roundTrips(contact, victim, watch, `under-${kind}`, flooding);
          const report = await flooding;
          await sleep(SETTLE_MS);
          const dbGrowth = db.usedBytes() - dbBefore;
          const contactShare = (during.ms.length + during.lost) * bytesPerRoundTrip;
          const requests = await victim.client.request<MessageRequests[]>('GET', '/v1/requests');
          const held = requests.find((r) => r.peer.peerId === report.peerId) ?? { count: 0, bytes: 0 };
          const latency = latencyPercentiles(during.ms);
          ctx.log(
            `  abuse: ${label}: ${report.frames} frames (${(report.bytes / 1048576).toFixed(1)} MiB) on ${report.streams} stream(s) in ${seconds} s; ` +
              `${report.refused} refused, ${report.acked} acked; endings ${JSON.stringify(report.endings)}; ` +
              `${during.ms.length} contact round trips, ${during.lost} lost; held as requests: ${held.count} messages, ${held.bytes} B`,
          );
          add(`${label}: stranger frames written`, 'frames', report.frames);
          add(`${label}: held as message requests`, 'KiB', held.bytes / 1024, { note: `${held.count} messages` });
          add(`${label}: database growth less the contact's messages`, 'KiB', (dbGrowth - contactShare) / 1024, {
            note: `quota ${quota.bytes / 1024} KiB; total growth ${(dbGrowth / 1024).toFixed(1)} KiB, contact ${(contactShare / 1024).toFixed(1)} KiB`,
          });
          add(`${label}: data dir growth on disk (WAL included)`, 'KiB', (dataDirBytes(victim.status.dataDir) - dirBefore) / 1024);
          add(`${label}: contact round trip p50`, 'ms', latency.p50, { baselines: ['abuse/contact round trip, idle, p50'] });
          add(`${label}: contact round trip p99`, 'ms', latency.p99, { baselines: ['abuse/contact round trip, idle, p99'] });
          add(`${label}: contact round trips lost`, 'count', during.lost);
        } finally {
          await helper.stop();
        }
      }
      rss.stop();
      add('victim peak RSS, sampled every 100 ms', 'MB', rss.peakMB);
      add('victim peak RSS (VmHWM)', 'MB', victim.memory().peakMB);
    } finally {
      rss?.stop();
      db?.close();
      watch?.close();
      await set.stopAll();
    }
  },
};
