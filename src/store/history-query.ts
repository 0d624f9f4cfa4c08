// The SQL of a history page: pure, so that paging rules are read (and tested) in one place.

export interface HistoryQuery {
  peerId?: string | undefined;
  limit: number;
  /** Only messages with seq below / above these. */
  before?: number | undefined;
  after?: number | undefined;
}

/** The newest `limit` messages matching the query, oldest first; with only `after`, the oldest after it. */
export function historySql(query: HistoryQuery): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: query.limit };
  if (query.peerId !== undefined) {
    where.push('peer_id = @peerId');
    params.peerId = query.peerId;
  }
  if (query.before !== undefined) {
    where.push('seq < @before');
    params.before = query.before;
  }
  if (query.after !== undefined) {
    where.push('seq > @after');
    params.after = query.after;
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // With only `after`, page forwards (oldest first); otherwise take the newest.
  const forward = query.after !== undefined && query.before === undefined;
  const sql = forward
    ? `SELECT * FROM messages ${clause} ORDER BY seq ASC LIMIT @limit`
    : `SELECT * FROM (SELECT * FROM messages ${clause} ORDER BY seq DESC LIMIT @limit) ORDER BY seq ASC`;
  return { sql, params };
}
