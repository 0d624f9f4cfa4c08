// Message ids as people see them. Ids are UUIDv7: their first 12 hex digits are a millisecond
// timestamp, so a short prefix is the same for every message of the same minute. A table shows
// each id's shortest prefix that is unique among the ids it shows and covers at least the whole
// timestamp; any such prefix is accepted back (cancel, retry), and the daemon refuses an ambiguous one.

/** `0192f3a4-5b6c`: the timestamp part of a UUIDv7, the shortest prefix worth showing. */
export const MIN_ID_PREFIX = 13;

/** For each id, the shortest prefix (at least MIN_ID_PREFIX long) that no other id in `ids` shares. */
export function uniquePrefixes(ids: string[]): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const result = new Map<string, string>();
  sorted.forEach((id, i) => {
    // In sorted order, the ids sharing the longest prefix with `id` are its neighbours.
    const shared = Math.max(commonPrefix(id, sorted[i - 1]), commonPrefix(id, sorted[i + 1]));
    let length = Math.max(MIN_ID_PREFIX, shared + 1);
    // A prefix ending in a dash reads as cut off: take the next digit too.
    if (id[length - 1] === '-') length++;
    result.set(id, id.slice(0, Math.min(length, id.length)));
  });
  return result;
}

function commonPrefix(a: string, b: string | undefined): number {
  if (b === undefined) return 0;
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
}
