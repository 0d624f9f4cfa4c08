// Messages that arrived ahead of a gap in their author's seqs (gossip can overtake), kept in memory
// until the gap is filled, at most `max` across rooms: past it a message is dropped, and sync
// fetches it again later.
export class HeldMessages<T> {
  /** By `room/author`, then seq. */
  private readonly byAuthor = new Map<string, Map<number, T>>();
  private count = 0;

  constructor(private readonly max: number) {}

  /** Holds `message` (seq `seq` of the author `key`); false when full. */
  hold(key: string, seq: number, message: T): boolean {
    const seqs = this.byAuthor.get(key) ?? new Map<number, T>();
    if (seqs.has(seq)) return true;
    if (this.count >= this.max) return false;
    seqs.set(seq, message);
    this.byAuthor.set(key, seqs);
    this.count++;
    return true;
  }

  /** Takes out the author's message with this seq, if held. */
  take(key: string, seq: number): T | undefined {
    const seqs = this.byAuthor.get(key);
    const message = seqs?.get(seq);
    if (!seqs || message === undefined) return undefined;
    seqs.delete(seq);
    this.count--;
    if (seqs.size === 0) this.byAuthor.delete(key);
    return message;
  }

  /** Held messages at or below the author's new highest seq came another way: drops them. */
  dropThrough(key: string, seq: number): void {
    const seqs = this.byAuthor.get(key);
    if (!seqs) return;
    for (const s of seqs.keys()) {
      if (s > seq) continue;
      seqs.delete(s);
      this.count--;
    }
    if (seqs.size === 0) this.byAuthor.delete(key);
  }

  /** Drops everything held for a room (it was left). */
  forgetRoom(roomId: string): void {
    for (const [key, seqs] of this.byAuthor) {
      if (!key.startsWith(`${roomId}/`)) continue;
      this.count -= seqs.size;
      this.byAuthor.delete(key);
    }
  }
}
