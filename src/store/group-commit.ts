// Group commit: requests that arrive in the same turn of the event loop share one transaction.
// Each caller learns its own result only once the commit is durable: the fsync runs off the event
// loop (src/store/wal-sync.ts), so the turns that follow commit while the disk works and share
// the next fsync. One failing item never takes the others down: when a shared commit fails, each
// item is committed on its own.

interface Pending<I, O> {
  item: I;
  /** False when nothing is promised on this item's behalf: it is answered at the commit. */
  waitForDisk: boolean;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<I, O> {
  private pending: Pending<I, O>[] = [];
  private readonly commit: (items: I[]) => O[];
  private readonly durable: () => Promise<void>;

  /**
   * @param commit stores all items in one transaction and returns one result per item, in order.
   *   When it throws, nothing of that call may be stored (a transaction rolls back), since the
   *   items are then committed again, one per call.
   * @param durable resolves once what was committed so far is on disk (the store's synced()).
   */
  constructor(commit: (items: I[]) => O[], durable: () => Promise<void> = () => Promise.resolve()) {
    this.commit = commit;
    this.durable = durable;
  }

  /**
   * Stores `item` with whatever else arrives in this turn. Answers once the commit is durable, or
   * at the commit itself with `waitForDisk` false, for a caller that promises nothing (a message
   * from a plain peer, which gets no ack).
   */
  submit(item: I, waitForDisk = true): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, waitForDisk, resolve, reject });
      // setImmediate runs after the current I/O phase: everything that arrived with it joins in.
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let results: O[];
    try {
      results = this.commit(batch.map((p) => p.item));
    } catch (err) {
      if (batch.length === 1) (batch[0] as Pending<I, O>).reject(err);
      // One commit per item: the item at fault is rejected alone. A fault that is not an item's
      // (a full disk) rejects each of them, at the cost of one extra attempt each.
      else for (const p of batch) this.commitAlone(p);
      return;
    }
    this.answerWhenDurable(batch, results);
  }

  private commitAlone(p: Pending<I, O>): void {
    let result: O;
    try {
      result = this.commit([p.item])[0] as O;
    } catch (err) {
      p.reject(err);
      return;
    }
    this.answerWhenDurable([p], [result]);
  }

  private answerWhenDurable(batch: Pending<I, O>[], results: O[]): void {
    const waiting = batch.filter((p, i) => {
      if (!p.waitForDisk) p.resolve(results[i] as O);
      return p.waitForDisk;
    });
    if (waiting.length === 0) return;
    this.durable().then(
      () => batch.forEach((p, i) => p.waitForDisk && p.resolve(results[i] as O)),
      // Committed but maybe not on disk: the caller must not say "accepted" or "acked".
      (err: unknown) => waiting.forEach((p) => p.reject(err)),
    );
  }
}
