// Scenario 3: p2pchat end to end. Two daemons; messages go in through one daemon's control API and
// are counted on the event streams: `message-received` at the receiver, `delivered` (stored and
// acked by the receiver, which is durable on both sides) at the sender.
import { performance } from 'node:perf_hooks';
import { type ApiClient, clientDescription, createApiClient } from '../lib/api-client.js';
import { clientLimitName, measureClientLimit } from '../lib/client-limit.js';
import { startCpuMeter } from '../lib/cpu.js';
import { connectDaemons, DaemonSet, dialDaemon } from '../lib/daemons.js';
import { EventWatch } from '../lib/events.js';
import { freePort } from '../lib/processes.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { sendMany, textOf } from '../lib/senders.js';
import { latencyPercentiles } from '../lib/stats.js';

export const CONCURRENT_SENDERS = 8;
/** Many clients at once, one message per request: what a busy daemon serving many users sees. */
export const MANY_SENDERS = 64;
/** Messages per request in the batch cases (POST /v1/send/batch, as `send --lines` does). */
export const BATCH = 100;

// `senders` requests in flight at a time, `batch` messages per request.
const CASES = [
  { size: 100, senders: 1, batch: 1, baseline: '100 B msg/s' },
  { size: 100, senders: CONCURRENT_SENDERS, batch: 1, baseline: '100 B msg/s' },
  { size: 100, senders: MANY_SENDERS, batch: 1, baseline: '100 B msg/s' },
  { size: 100, senders: 1, batch: BATCH, baseline: '100 B msg/s' },
  { size: 100, senders: 4, batch: BATCH, baseline: '100 B msg/s' },
  { size: 4096, senders: 1, batch: 1, baseline: '4 KiB msg/s' },
  { size: 4096, senders: CONCURRENT_SENDERS, batch: 1, baseline: '4 KiB msg/s' },
  { size: 4096, senders: 4, batch: BATCH, baseline: '4 KiB msg/s' },
] as const;

/** Each measured run is sized from a calibration run to last about this long, however fast the daemon is. */
const RUN_SECONDS = { full: 3, quick: 1 };
const MIN_COUNT = 200;
const MAX_COUNT = 100_000;

export const daemonScenario: Scenario = {
  id: 'p2pchat',
  title: '3. p2pchat end to end: two daemons, control API in, event streams out',
  async run(ctx: BenchContext): Promise<void> {
    const set = new DaemonSet(ctx.options.homes);
    const prof = ctx.options.cpuProfDir;
    const nodeArgs = (name: string) => (prof ? ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-name', `${name}.cpuprofile`] : []);
    let watches: EventWatch[] = [];
    let api: ApiClient | undefined;
    ctx.log(`  client: ${clientDescription(ctx.options.client)}`);
    await measureClientLimit(ctx, [1, CONCURRENT_SENDERS, MANY_SENDERS]);
    try {
      // A fixed port for bob, so that after a restart alice finds him where he was.
      const bobPort = await freePort();
      const [alice, bob] = await Promise.all([
        set.start({ name: 'alice', nodeArgs: nodeArgs('sender') }),
        set.start({ name: 'bob', nodeArgs: nodeArgs('receiver'), listen: `/ip4/127.0.0.1/tcp/${bobPort}` }),
      ]);
      await connectDaemons(alice, bob, ctx.log);
      api = await createApiClient(ctx.options.client, alice.client.socketPath);
      const client = api;
      const sent = await EventWatch.open(alice.client.socketPath);
      const got = await EventWatch.open(bob.client.socketPath);
      watches = [sent, got];
      let run = 0;

      /**
       * Sends `count` messages; seconds until all were received, and until all were delivered, and the
       * CPU milliseconds each process used until then.
       */
      const throughput = async (count: number, size: number, senders: number, batch = 1) => {
        const prefix = `r${run++}-`;
        const received = got.whenCount('received', got.counts.received + count);
        const delivered = sent.whenCount('delivered', sent.counts.delivered + count);
        const cpu = startCpuMeter({ sender: alice.status.pid, receiver: bob.status.pid });
        const start = performance.now();
        await sendMany(client, bob.peerId, count, senders, (i) => textOf(`${prefix}${i}-`, size), batch);
        const accepted = performance.now();
        const [receivedAt, deliveredAt] = await Promise.all([received, delivered]);
        return {
          accepted: (accepted - start) / 1000,
          received: (receivedAt - start) / 1000,
          delivered: (deliveredAt - start) / 1000,
          cpuMs: cpu(),
        };
      };

      const reps = Math.min(ctx.options.reps, 3);
      // Warm-up: opens the chat stream, JIT.
      await throughput(ctx.count(500, 100), 100, CONCURRENT_SENDERS);
      for (const c of CASES) {
        const calibration = await throughput(ctx.count(300, 100) * (c.batch > 1 ? 10 : 1), c.size, c.senders, c.batch);
        const seconds = ctx.count(RUN_SECONDS.full, RUN_SECONDS.quick);
        const calibrated = (ctx.count(300, 100) * (c.batch > 1 ? 10 : 1)) / calibration.delivered;
        const count = Math.max(MIN_COUNT, Math.min(MAX_COUNT, Math.round(calibrated * seconds)));
        const delivered: number[] = [];
        const received: number[] = [];
        const accepted: number[] = [];
        const cpu = { sender: [] as number[], receiver: [] as number[], bench: [] as number[] };
        for (let rep = 0; rep < reps; rep++) {
          const t = await throughput(count, c.size, c.senders, c.batch);
          delivered.push(count / t.delivered);
          received.push(count / t.received);
          accepted.push(count / t.accepted);
          for (const who of ['sender', 'receiver', 'bench'] as const) cpu[who].push((t.cpuMs[who] * 1000) / count);
        }
        const requests = c.batch > 1 ? `${c.senders} × batches of ${c.batch}` : `${c.senders} client${c.senders > 1 ? 's' : ''}`;
        const label = `${c.size === 100 ? '100 B' : '4 KiB'}, ${requests}`;
        // One message per request: the client alone (same client, a server that answers at once) is a ceiling too.
        const clientLimit = c.batch === 1 && c.size === 100 ? [`p2pchat/${clientLimitName(c.senders)}`] : [];
        ctx.results.add('p2pchat', `${label}: delivered msg/s`, 'msg/s', 'higher', delivered, {
          baselines: [`libp2p/${c.baseline}`, `raw/${c.baseline}`, ...clientLimit],
        });
        ctx.results.add('p2pchat', `${label}: received msg/s`, 'msg/s', 'higher', received, { baselines: [`libp2p/${c.baseline}`] });
        ctx.results.add('p2pchat', `${label}: API accepted msg/s`, 'msg/s', 'higher', accepted);
        if (c.size === 100) {
          // Where a message's CPU goes; on 2 cores all three processes share the machine.
          ctx.results.add('p2pchat', `${label}: CPU per message, sender daemon`, 'µs', 'lower', cpu.sender);
          ctx.results.add('p2pchat', `${label}: CPU per message, receiver daemon`, 'µs', 'lower', cpu.receiver);
          ctx.results.add('p2pchat', `${label}: CPU per message, bench (client, event streams)`, 'µs', 'lower', cpu.bench);
        }
        ctx.log(`  p2pchat: ${label}: ${reps} runs of ${count} messages`);
      }

      // Latency: one message at a time on an otherwise idle pair.
      sent.trackKeys = true;
      got.trackKeys = true;
      const probes = ctx.count(300, 50);
      const remote: number[][] = [[], []];
      const acked: number[][] = [[], []];
      for (let rep = 0; rep < reps; rep++) {
        const toRemote: number[] = [];
        const toAck: number[] = [];
        for (let i = 0; i < probes; i++) {
          const text = textOf(`lat${rep}-${i}-`, 100);
          const arrived = got.whenReceivedText(text);
          const start = performance.now();
          const message = await client.post<{ id: string }>('/v1/send', { to: bob.peerId, text });
          const deliveredAt = await sent.whenDelivered(message.id);
          toRemote.push((await arrived) - start);
          toAck.push(deliveredAt - start);
        }
        ctx.results.keepSamples('p2pchat/send → remote event', toRemote);
        ctx.results.keepSamples('p2pchat/send → delivered', toAck);
        const r = latencyPercentiles(toRemote);
        const a = latencyPercentiles(toAck);
        remote[0]?.push(r.p50);
        remote[1]?.push(r.p99);
        acked[0]?.push(a.p50);
        acked[1]?.push(a.p99);
      }
      ctx.results.add('p2pchat', 'send → remote event p50', 'ms', 'lower', remote[0] ?? [], { baselines: ['libp2p/round trip 100 B p50'] });
      ctx.results.add('p2pchat', 'send → remote event p99', 'ms', 'lower', remote[1] ?? [], { baselines: ['libp2p/round trip 100 B p99'] });
      ctx.results.add('p2pchat', 'send → delivered p50', 'ms', 'lower', acked[0] ?? [], { baselines: ['libp2p/round trip 100 B p50'] });
      ctx.results.add('p2pchat', 'send → delivered p99', 'ms', 'lower', acked[1] ?? [], { baselines: ['libp2p/round trip 100 B p99'] });

      // Delivery alone, without the control API in the way: a backlog queued while the receiver
      // was down, timed from the receiver being ready again (connection set-up included) to the
      // last `delivered`.
      const backlog = ctx.count(20_000, 2000);
      const drain: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        await bob.stop();
        await sendMany(client, bob.peerId, backlog, 4, (i) => textOf(`b${rep}-${i}-`, 100), BATCH);
        const last = sent.whenCount('delivered', sent.counts.delivered + backlog);
        await bob.start();
        const ready = performance.now();
        await dialDaemon(alice, bob, ctx.log);
        drain.push(backlog / (((await last) - ready) / 1000));
      }
      ctx.results.add('p2pchat', `100 B backlog of ${backlog}: delivered msg/s`, 'msg/s', 'higher', drain, {
        baselines: ['libp2p/100 B msg/s', 'libp2p/100 B msg/s, 128 per write'],
      });
    } finally {
      await api?.close();
      for (const w of watches) w.close();
      await set.stopAll();
    }
  },
};
