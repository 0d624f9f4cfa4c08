// Storage economy with real daemons: a received text is stored once, the event stream replays what
// it streamed live, history retention and event pruning run while the daemon runs (never touching
// the outbox), and the storage figure in `status` tracks the database's real size.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { lineSplitter } from '../../src/control/ndjson.js';
import { DATABASE_FILE } from '../../src/store/store.js';
import type { ChatEvent, Message, StatusInfo } from '../../src/types.js';
import { CLI, connectPair, startDaemon, stopAll, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js';

const watchers = new Set<ChildProcess>();
after(async () => {
  for (const w of watchers) w.kill('SIGKILL');
  await stopAll();
});

/** `p2pchat watch --json [--since N]`, its lines collected as they come. */
function watch(daemon: TestDaemon, since?: number): { lines: string[]; stop: () => void } {
  const child = spawn(process.execPath, [
    CLI,
    '--home',
    daemon.home,
    'watch',
    '--json',
    ...(since === undefined ? [] : ['--since', String(since)]),
  ]);
  watchers.add(child);
  const lines: string[] = [];
  child.stdout.setEncoding('utf8').on(
    'data',
    lineSplitter((line) => lines.push(line)),
  );
  return {
    lines,
    stop: () => {
      child.kill('SIGINT');
      watchers.delete(child);
    },
  };
}

const received = (lines: string[]) => lines.filter((l) => (JSON.parse(l) as ChatEvent).type === 'message-received');

/** A daemon whose config file sets `config` (history and storage settings). */
function startWith(name: string, config: object): Promise<TestDaemon> {
  const home = tempHome(`p2pchat-${name}-`);
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return startDaemon({ name, home });
}

/**
 * `receiver` connects to `sender`: the receiver chose the sender, so it takes its messages as from
 * a contact, not as message requests from a stranger.
 */
async function pair(receiver: TestDaemon, sender: TestDaemon): Promise<void> {
  await connectPair(receiver, sender);
}

async function sendLines(from: TestDaemon, to: TestDaemon, texts: string[]): Promise<void> {
  const result = await from.cli(['send', to.peerId, '--lines', '--json'], { input: `${texts.join('\n')}\n` });
  assert.equal(result.code, 0, result.stderr);
}

async function historyWith(daemon: TestDaemon, peerId: string): Promise<Message[]> {
  return daemon.client.request<Message[]>('GET', `/v1/messages?peer=${peerId}&limit=10000`);
}

/** What the database takes, as a second reader of the file sees it: pages in use plus the WAL. */
function realDatabaseBytes(daemon: TestDaemon): number {
  const path = join(daemon.home, DATABASE_FILE);
  const db = new Database(path, { readonly: true });
  try {
    const pages = db
      .prepare('SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()')
      .pluck()
      .get() as number;
    return pages + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } finally {
    db.close();
  }
}

describe('storage', () => {
  it('stores a received text once, and replays exactly the lines it streamed live', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startDaemon({ name: 'bob' })]);
    await pair(bob, alice);
    const live = watch(bob);
    // The watcher is following once it shows a message.
    await waitFor('the watcher to follow', async () => {
      await alice.cli(['send', bob.peerId, 'warm-up']);
      return received(live.lines).length > 0;
    });
    const texts = Array.from({ length: 40 }, (_, i) => `stored-once-${i} "quoted" \\ ünïcode \u2028 ${'x'.repeat(i * 50)}`);
    await sendLines(alice, bob, texts);
    await alice.json<Message>(['send', bob.peerId, 'stored-once-last\nwith a newline', '--wait']);
    await waitFor('every message live', () => received(live.lines).some((l) => l.includes('stored-once-last')));
    live.stop();
    const incoming = (await historyWith(bob, alice.peerId)).filter((m) => m.direction === 'in');

    const replay = watch(bob, 0);
    await waitFor('the replay', () => received(replay.lines).length >= incoming.length);
    replay.stop();
    const liveLines = received(live.lines);
    // The replay also has the warm-ups sent before the watcher followed; from there on, the same lines.
    assert.deepEqual(received(replay.lines).slice(-liveLines.length), liveLines, 'replayed lines are the live lines, byte for byte');
    assert.deepEqual(
      received(replay.lines).map((l) => (JSON.parse(l) as ChatEvent).data.message),
      incoming,
      'the replay carries the messages as history shows them',
    );

    await bob.stop();
    const db = new Database(join(bob.home, DATABASE_FILE), { readonly: true });
    try {
      const copies = db.prepare(`SELECT count(*) FROM events WHERE instr(data, 'stored-once') > 0`).pluck().get();
      assert.equal(copies, 0, 'the events table holds no copy of a text');
      const stored = db.prepare(`SELECT count(*) FROM messages WHERE instr(text, 'stored-once') > 0`).pluck().get();
      assert.equal(stored, texts.length + 1);
      const references = db
        .prepare(`SELECT count(*) FROM events WHERE type = 'message-received' AND message_seq IS NOT NULL AND data = ''`)
        .pluck()
        .get();
      assert.equal(references, incoming.length);
    } finally {
      db.close();
    }
  });

  it('keeps the newest messages of each conversation and prunes events while running', async () => {
    const keep = 5;
    const maxEvents = 1000;
    const [alice, bob] = await Promise.all([
      startDaemon({ name: 'alice' }),
      startWith('bob', { history: { maxMessagesPerPeer: keep, maxEvents, pruneIntervalSeconds: 1 } }),
    ]);
    await pair(bob, alice);
    const texts = Array.from({ length: 1200 }, (_, i) => `kept-or-not-${i}`);
    await sendLines(alice, bob, texts);
    await waitFor('the conversation trimmed to the newest messages', async () => {
      const history = await historyWith(bob, alice.peerId);
      return history.length === keep && history.at(-1)?.text === texts.at(-1);
    });
    assert.deepEqual(
      (await historyWith(bob, alice.peerId)).map((m) => m.text),
      texts.slice(-keep),
    );
    const events = await waitFor('events pruned to the newest', () => {
      const db = new Database(join(bob.home, DATABASE_FILE), { readonly: true });
      try {
        const row = db.prepare('SELECT count(*) AS n, min(id) AS first, max(id) AS last FROM events').get() as Record<string, number>;
        return (row.n as number) <= maxEvents && row;
      } finally {
        db.close();
      }
    });
    assert.ok((events.last as number) > texts.length, `${events.last} events were published`);
    assert.equal(events.first, (events.last as number) - (events.n as number) + 1, 'the newest events are the ones kept');
    // A replay from the start now begins with the oldest event kept.
    const replay = watch(bob, 0);
    await waitFor('the replay', () => replay.lines.length > 0);
    replay.stop();
    assert.ok((JSON.parse(replay.lines[0] as string) as ChatEvent).id >= (events.first as number));
  });

  it('deletes messages past the maximum age while running, and never the outbox', async () => {
    const [alice, carol, bob] = await Promise.all([
      startDaemon({ name: 'alice' }),
      startDaemon({ name: 'carol' }),
      // About 2.6 s.
      startWith('bob', { history: { maxAgeDays: 0.00003, maxMessagesPerPeer: 2, pruneIntervalSeconds: 1 } }),
    ]);
    await pair(bob, carol);
    await carol.stop();
    const queued = ['for carol 1', 'for carol 2', 'for carol 3'];
    for (const text of queued) assert.equal((await bob.json<Message>(['send', carol.peerId, text])).state, 'queued');

    await pair(bob, alice);
    await sendLines(alice, bob, ['old 1', 'old 2']);
    await waitFor('the messages from alice to arrive', async () => (await historyWith(bob, alice.peerId)).length === 2);
    await waitFor('the messages from alice to age out', async () => (await historyWith(bob, alice.peerId)).length === 0, 30_000);

    // Older than the maximum age and more than the count allows, but still waiting for carol.
    assert.deepEqual(
      (await bob.json<Message[]>(['outbox'])).map((m) => [m.text, m.state]),
      queued.map((t) => [t, 'queued']),
    );
    assert.deepEqual(
      (await historyWith(bob, carol.peerId)).map((m) => m.text),
      queued,
    );
  });

  it('at the storage budget refuses incoming messages, tells the sender, and keeps serving history and sending', async (t) => {
    const maxBytes = 1024 * 1024;
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startWith('bob', { storage: { maxBytes } })]);
    await pair(bob, alice);
    // 2 MB of texts for a 1 MiB budget, from a contact (no stranger quota applies).
    const texts = Array.from({ length: 2000 }, (_, i) => `${i} ${'z'.repeat(900)}`);
    await sendLines(alice, bob, texts);
    const sent = await waitFor('every message delivered or refused', async () => {
      const history = await historyWith(alice, bob.peerId);
      return history.length === texts.length && history.every((m) => m.state === 'delivered' || m.state === 'failed') && history;
    });
    const failed = sent.filter((m) => m.state === 'failed');
    assert.ok(failed.length > 0, 'some messages were refused');
    assert.match(failed[0]?.reason ?? '', /storage is full/);
    // Refused ones come after the stored ones: the budget, once reached, stays reached.
    const firstFailed = sent.findIndex((m) => m.state === 'failed');
    assert.ok(
      sent.slice(firstFailed).every((m) => m.state === 'failed'),
      'nothing stored after the first refusal',
    );

    const status = await bob.json<StatusInfo>(['status']);
    assert.equal(status.storage.maxBytes, maxBytes);
    // Past the budget by at most what was admitted between two measurements (one receive window of
    // 256 KiB) and the write-ahead log's pages of the bookkeeping since.
    assert.ok(status.storage.usedBytes <= maxBytes + 512 * 1024, `${status.storage.usedBytes} bytes used of ${maxBytes}`);
    assert.equal(status.messages.total, firstFailed, 'what bob stored is what alice saw delivered');
    t.diagnostic(`stored ${firstFailed} of ${texts.length}; ${status.storage.usedBytes} bytes used of ${maxBytes}`);

    const events = watch(bob, 0);
    await waitFor('the storage-full event', () => events.lines.some((l) => (JSON.parse(l) as ChatEvent).type === 'storage-full'));
    events.stop();
    const full = events.lines.map((l) => JSON.parse(l) as ChatEvent).filter((e) => e.type === 'storage-full');
    assert.equal(full.length, 1, 'one event when the budget is reached, not one per refusal');
    assert.equal(full[0]?.data.maxBytes, maxBytes);

    // History and sending keep working.
    assert.equal((await historyWith(bob, alice.peerId)).length, Math.min(firstFailed, 10_000));
    const reply = await bob.json<Message>(['send', alice.peerId, 'still sending', '--wait']);
    assert.equal(reply.state, 'delivered');
    const human = await bob.cli(['status']);
    assert.match(human.stdout, /^Storage: +\d+\.\d (KiB|MiB) of 1\.0 MiB/m);
  });

  it('shows the database size against its budget in status, tracking the real size', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startWith('bob', { storage: { maxBytes: 64 * 1024 * 1024 } })]);
    await pair(bob, alice);
    const before = (await bob.json<StatusInfo>(['status'])).storage;
    assert.equal(before.maxBytes, 64 * 1024 * 1024);
    assert.ok(before.usedBytes > 0);

    await sendLines(
      alice,
      bob,
      // Batches of 1,000 lines must fit in one control request (1 MiB).
      Array.from({ length: 4000 }, (_, i) => `${i} ${'y'.repeat(500)}`),
    );
    await waitFor('the messages to arrive', async () => (await bob.json<StatusInfo>(['status'])).messages.total >= 4000);
    const status = await waitFor('the status figure to match the database', async () => {
      const s = await bob.json<StatusInfo>(['status']);
      const real = realDatabaseBytes(bob);
      // The daemon measures again at most a second later than this reader.
      return Math.abs(s.storage.usedBytes - real) <= Math.max(64 * 1024, real * 0.05) && s;
    });
    assert.ok(status.storage.usedBytes >= 4000 * 500, `${status.storage.usedBytes} bytes for 2 MB of texts`);

    const human = await bob.cli(['status']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^Storage: +\d+\.\d MiB of 64\.0 MiB$/m);

    // Without a setting, the budget is automatic: between 64 MiB and 2 GiB.
    const auto = (await alice.json<StatusInfo>(['status'])).storage.maxBytes;
    assert.ok(auto >= 64 * 1024 * 1024 && auto <= 2 * 1024 * 1024 * 1024, `auto budget ${auto}`);
  });
});
