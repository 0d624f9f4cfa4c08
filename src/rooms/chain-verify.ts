// Signature checks for a page of room messages, one per run instead of one per message. Each
// author's messages form a hash chain (`prev` names the hash of the author's previous payload), so
// the author's signature on the last message of a run vouches for every message before it in the
// run. Ed25519 verification is most of what a catch-up costs; a page of 500 messages from a few
// authors then needs a few verifications instead of 500.
//
// A run whose last signature fails is checked message by message, so that one bad message in a
// page costs only itself. A message inside a good run is stored with the signature it came with,
// unchecked: its payload is the author's, but a dishonest member may have broken its signature.
// Passing it on is harmless: the next member checks it only when it ends a run, and then takes it
// again within a longer run on its next pull.
import { type CheckedRoomMessage, payloadHash, verifyRoomMessage } from './room-message.js';

/** Runs of consecutive messages of one author, each linked to the one before: indices into `messages`. */
export function chainRuns(messages: CheckedRoomMessage[]): number[][] {
  const runs: number[][] = [];
  const open = new Map<string, { run: number[]; hash: string; seq: number }>();
  messages.forEach((m, i) => {
    const key = `${m.payload.room}/${m.payload.author}`;
    const current = open.get(key);
    const hash = payloadHash(m.wire.p);
    if (current && m.payload.seq === current.seq + 1 && m.payload.prev === current.hash) {
      current.run.push(i);
      current.hash = hash;
      current.seq = m.payload.seq;
      return;
    }
    const run = [i];
    runs.push(run);
    open.set(key, { run, hash, seq: m.payload.seq });
  });
  return runs;
}

/** Whether each message is vouched for by its author's signature (its own, or a later one in its run). */
export async function verifyChained(messages: CheckedRoomMessage[]): Promise<boolean[]> {
  const ok = messages.map(() => false);
  const verify = (i: number) => verifyRoomMessage(messages[i] as CheckedRoomMessage);
  await Promise.all(
    chainRuns(messages).map(async (run) => {
      const last = run[run.length - 1] as number;
      if (await verify(last)) {
        for (const i of run) ok[i] = true;
        return;
      }
      const rest = run.slice(0, -1);
      const each = await Promise.all(rest.map(verify));
      rest.forEach((i, k) => (ok[i] = each[k] === true));
    }),
  );
  return ok;
}
