// The responder's decisions (RFC 6762): what to answer a query with, whom to answer, when, and how
// often to query. Pure functions; lan-discovery.ts does the I/O.
import type { LinkRecords } from './records.js';
import { type Answer, AUTHORITATIVE, type Packet, type Question, sameName, ttlOf, txtStrings } from './packet.js';

export const MDNS_PORT = 5353;
/** TTL cap in answers to legacy unicast queries (RFC 6762 section 6.7). */
export const LEGACY_TTL_SECONDS = 10;
/** First interval between queries after a link comes up; it doubles up to the configured maximum (RFC 6762 section 5.2). */
export const FIRST_QUERY_INTERVAL_MS = 1000;
/** A record is multicast on a link at most once in this time (RFC 6762 section 6). */
export const RECORD_GAP_MS = 1000;

export interface Reply {
  answers: Answer[];
  additionals: Answer[];
  /** Whether an answer is a shared record (a PTR), which other responders may send too: then wait 20-120 ms. */
  shared: boolean;
}

/**
 * A query from a port other than 5353 comes from a simple resolver (dig, a one-shot lookup) that
 * listens only on that port: it gets a unicast reply (RFC 6762 section 6.7).
 */
export function isLegacyQuery(sourcePort: number): boolean {
  return sourcePort !== MDNS_PORT;
}

/** The random delay before a multicast answer with shared records (RFC 6762 section 6), in ms. */
export function sharedAnswerDelay(random: () => number = Math.random): number {
  return 20 + Math.floor(random() * 101);
}

/** The interval before the next query on a link: 1 s, then doubling, capped at maxMs. */
export function nextQueryInterval(previousMs: number | undefined, maxMs: number): number {
  if (previousMs === undefined) return Math.min(FIRST_QUERY_INTERVAL_MS, maxMs);
  return Math.min(previousMs * 2, maxMs);
}

function asks(question: Question, record: Answer): boolean {
  return sameName(question.name, record.name) && ((question.type as string) === 'ANY' || question.type === record.type);
}

/** A key that is equal for two records with the same name, type and data (RFC 6762 section 7.1). */
export function recordKey(record: Answer): string {
  const name = record.name.toLowerCase();
  switch (record.type) {
    case 'PTR':
      return `${name} PTR ${record.data.toLowerCase()}`;
    case 'TXT':
      return `${name} TXT ${JSON.stringify(txtStrings(record))}`;
    case 'SRV':
      return `${name} SRV ${record.data.port} ${record.data.target.toLowerCase()}`;
    case 'A':
      return `${name} A ${record.data}`;
    default:
      return `${name} ${record.type}`;
  }
}

/**
 * Known-answer suppression (RFC 6762 section 7.1): a querier that lists one of our records in
 * its answer section, with at least half our TTL left, already has it.
 */
export function isKnownAnswer(query: Packet, record: Answer): boolean {
  const key = recordKey(record);
  const half = ttlOf(record) / 2;
  return (query.answers ?? []).some((known) => ttlOf(known) >= half && recordKey(known) === key);
}

/**
 * What to answer a query with, from our records on the link it came from; undefined when nothing
 * (not our names, or the querier knows every answer). Records that help the querier resolve what
 * it asked go in the additional section (RFC 6763 section 12): TXT, SRV and A after a PTR, A after
 * an SRV. The service PTR stays the last PTR of the answers, for @libp2p/mdns (see records.ts).
 */
export function replyTo(query: Packet, records: LinkRecords): Reply | undefined {
  if (query.type !== 'query') return undefined;
  const ours: Answer[] = [records.services, records.ptr, records.txt, records.srv, records.a];
  const questions = query.questions ?? [];
  const answers = ours.filter((r) => questions.some((q) => asks(q, r)) && !isKnownAnswer(query, r));
  if (answers.length === 0) return undefined;
  const extra: Answer[] = [];
  if (answers.includes(records.ptr)) extra.push(records.txt, records.srv, records.a);
  if (answers.includes(records.srv)) extra.push(records.a);
  const additionals = [...new Set(extra)].filter((r) => !answers.includes(r));
  return { answers, additionals, shared: answers.includes(records.ptr) || answers.includes(records.services) };
}

/** A multicast response. */
export function responsePacket(answers: Answer[], additionals: Answer[] = []): Packet {
  return { type: 'response', id: 0, flags: AUTHORITATIVE, answers, additionals };
}

/**
 * The unicast reply to a legacy query (RFC 6762 section 6.7): the query's id and questions, TTLs
 * of at most 10 s, and no cache-flush bit (section 10.2), since the querier is no mDNS cache.
 */
export function legacyReplyPacket(query: Packet, reply: Reply): Packet {
  const cap = (r: Answer): Answer => ({ ...r, ttl: Math.min(ttlOf(r), LEGACY_TTL_SECONDS), flush: false }) as Answer;
  return {
    type: 'response',
    id: query.id ?? 0,
    flags: AUTHORITATIVE,
    questions: (query.questions ?? []).map((q) => ({ name: q.name, type: q.type, class: 'IN' })),
    answers: reply.answers.map(cap),
    additionals: reply.additionals.map(cap),
  };
}
