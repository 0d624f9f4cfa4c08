// Scenario 6: daemon memory. RSS idle and with 29 connected peers (as many as each daemon of a
// 30-daemon mesh holds; from the two, memory per connection), over a long run of messages (it must
// level off, not grow with the count), and while the receiver is stopped (SIGSTOP), when a fast
// sender must not buffer without limit.
import { type IncomingMessage, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { lineSplitter } from '../../src/control/ndjson.js';
import type { StatusInfo } from '../../src/types.js';
import { Helper } from '../lib/child.js';
import { type BenchDaemon, connectDaemons, DaemonSet, dialDaemon, waitUntil } from '../lib/daemons.js';
import { EventWatch } from '../lib/events.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { sendMany, textOf } from '../lib/senders.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** No progress for this long ends the flood: the receiver's connection monitor may drop a peer whose pings queue behind the flood. */
const STALL_MS = 15_000;

async function connectedPeers(d: BenchDaemon): Promise<number> {
  return (await d.client.request<StatusInfo>('GET', '/v1/status')).peers.connected;
}

export const memoryScenario: Scenario = {
  id: 'memory',
  title: '6. Memory: RSS idle, with 29 peers (per connection), over many messages, with a stopped receiver',
  async run(ctx: BenchContext): Promise<void> {
    const set = new DaemonSet(ctx.options.homes);
    const add = (name: string, mb: number, note?: string) => ctx.results.add('memory', name, 'MB', 'lower', [mb], note ? { note } : {});
    let watch: EventWatch | undefined;
    try {
      const subject = await set.start({ name: 'subject' });
      await sleep(ctx.count(3000, 1000));
      const idle = subject.memory().rssMB;
      add('idle daemon RSS', idle);

      // As many connections as each daemon of a 30-daemon mesh holds. The subject dials them: from
      // one address (127.0.0.1), inbound strangers would meet the per-address connection limit.
      const peerCount = ctx.count(29, 3);
      const peers: BenchDaemon[] = [];
      // A few at a time: the machine has two cores.
      for (let i = 0; i < peerCount; i += 3) {
        const batch = await Promise.all(Array.from({ length: Math.min(3, peerCount - i) }, (_, j) => set.start({ name: `peer${i + j}` })));
        peers.push(...batch);
      }
      for (const p of peers) await dialDaemon(subject, p, ctx.log);
      await waitUntil(`${peerCount} peers connected`, async () => (await connectedPeers(subject)) >= peerCount, 60_000);
      await sleep(ctx.count(3000, 1000));
      const connected = subject.memory().rssMB;
      add(`daemon RSS with ${peerCount} connected peers`, connected);
      add(
        'RSS per connection: (RSS with peers − idle) / peers',
        (connected - idle) / peerCount,
        'idle and connected RSS sampled 3 s after each',
      );
      await Promise.all(peers.map((p) => p.stop()));

      // Many messages: RSS sampled as the count grows, on both sides.
      const receiver = await set.start({ name: 'receiver' });
      await connectDaemons(subject, receiver, ctx.log);
      watch = await EventWatch.open(subject.client.socketPath);
      const total = ctx.count(ctx.options.memoryMessages, 2000);
      const marks = [0.25, 0.5, 0.75, 1];
      const chunk = total / marks.length;
      for (const [index, mark] of marks.entries()) {
        const target = Math.round(total * mark);
        const delivered = watch.whenCount('delivered', target);
        await sendMany(subject.client, receiver.peerId, target - Math.round(chunk * index), 8, (i) => textOf(`m${index}-${i}-`, 100));
        await delivered;
        const label = `${target.toLocaleString('en-US')} messages`;
        add(`sender RSS after ${label}`, subject.memory().rssMB);
        add(`receiver RSS after ${label}`, receiver.memory().rssMB);
      }
      add('sender peak RSS (VmHWM)', subject.memory().peakMB);
      add('receiver peak RSS (VmHWM)', receiver.memory().peakMB);

      // A stopped receiver: the sender's buffers must stay bounded while messages pile up.
      const queued = ctx.count(Math.max(5000, ctx.options.memoryMessages / 5), 2000);
      const before = subject.memory().rssMB;
      receiver.proc?.kill('SIGSTOP');
      const start = performance.now();
      try {
        const delivered = watch.whenCount('delivered', total + queued);
        await sendMany(subject.client, receiver.peerId, queued, 8, (i) => textOf(`stopped-${i}-`, 100));
        await sleep(2000);
        add(`sender RSS growth, receiver stopped, ${queued.toLocaleString('en-US')} queued`, subject.memory().rssMB - before);
        receiver.proc?.kill('SIGCONT');
        await delivered;
      } finally {
        receiver.proc?.kill('SIGCONT');
      }
      ctx.log(`  memory: ${queued} messages queued and delivered after SIGCONT in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      add('receiver peak RSS after the backlog (VmHWM)', receiver.memory().peakMB);

      await floodReceiver(ctx, receiver, add);
    } finally {
      watch?.close();
      await set.stopAll();
    }
  },
};

/** An event-stream client that reads nothing until `resume()`, then counts the messages received. */
async function stalledEventClient(socketPath: string): Promise<{ received: () => number; resume: () => void; close: () => void }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/events' }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.pause();
  let received = 0;
  res.setEncoding('utf8');
  res.on(
    'data',
    lineSplitter((line) => {
      if (line.includes('"type":"message-received"')) received++;
    }),
  );
  return { received: () => received, resume: () => res.resume(), close: () => res.destroy() };
}

/**
 * A plain libp2p peer writes 100 B text frames as fast as its stream takes them and never waits
 * for anything: the receiver must store them as fast as it can or push back, not buffer them.
 */
async function floodReceiver(ctx: BenchContext, receiver: BenchDaemon, add: (name: string, mb: number) => void): Promise<void> {
  const { helper } = await Helper.start<boolean>('peers/stream-peer.js', ['libp2p', 'client']);
  const watch = await EventWatch.open(receiver.client.socketPath);
  // A second event-stream client that stops reading: it must not make the receiver buffer events.
  const stalled = await stalledEventClient(receiver.client.socketPath);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, receiver.memory().rssMB);
  }, 200);
  try {
    const peerId = await helper.call<string>({ cmd: 'connect', address: receiver.address });
    // The flooding peer is a contact: this measures storing and memory; bench/scenarios/abuse.ts measures strangers.
    await receiver.client.request('POST', '/v1/contacts', { peer: peerId });
    const count = ctx.count(Math.max(30_000, ctx.options.memoryMessages), 10_000);
    const before = receiver.memory().rssMB;
    const start = performance.now();
    const writing = helper.call<number>({ cmd: 'flood', count, size: 100, perWrite: 1 }).catch((err: Error) => err);
    // Wait until all are stored, or until nothing was stored for a while (the connection dropped).
    let lastCount = -1;
    let lastProgress = performance.now();
    while (watch.counts.received < count && performance.now() - lastProgress < STALL_MS) {
      await sleep(500);
      if (watch.counts.received !== lastCount) {
        lastCount = watch.counts.received;
        lastProgress = performance.now();
      }
    }
    const stored = watch.counts.received;
    const writeResult = await Promise.race([writing, sleep(1000).then(() => undefined)]);
    if (stored < count) {
      const why = writeResult instanceof Error ? writeResult.message : 'the sender is still writing';
      ctx.log(`  memory: the flood stalled after ${stored} of ${count} frames were stored (${why})`);
    }
    add(`receiver RSS growth during a flood of ${count.toLocaleString('en-US')} plain frames, one event client stalled`, peak - before);
    // The stalled client reads again: it must get every message-received event, once.
    const resumedAt = performance.now();
    stalled.resume();
    while (stalled.received() < stored && performance.now() - resumedAt < STALL_MS) await sleep(100);
    ctx.log(
      `  memory: the stalled event client got ${stalled.received()} of ${stored} message events after resuming, in ${((performance.now() - resumedAt) / 1000).toFixed(1)} s`,
    );
    ctx.results.add('memory', 'stalled event client: message events received after resuming', '%', 'higher', [
      (100 * stalled.received()) / Math.max(1, stored),
    ]);
    ctx.results.add('memory', 'flood frames stored before the end or a stall', '%', 'higher', [(100 * stored) / count]);
    ctx.results.add('memory', 'receiver stores a plain-frame flood', 'msg/s', 'higher', [stored / ((lastProgress - start) / 1000)], {
      baselines: ['libp2p/100 B msg/s'],
    });
  } finally {
    clearInterval(sampler);
    stalled.close();
    watch.close();
    await helper.stop();
  }
}
