// Group commit: requests that arrive in the same turn of the event loop share one transaction, and
// so one fsync. Each caller still learns its own result only after the commit.

interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<I, O> {
  private pending: Pending<I, O>[] = [];
  private readonly commit: (items: I[]) => O[];

  /** @param commit stores all items in one transaction and returns one result per item, in order. */
  constructor(commit: (items: I[]) => O[]) {
    this.commit = commit;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
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
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as O));
  }
}
