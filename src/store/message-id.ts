// Message ids: UUID version 7 (RFC 9562), a millisecond timestamp followed by random bits.
// Time-ordered ids land at the end of the database's (peer, direction, id) index instead of at a
// random page, so a commit of many messages touches a few index pages rather than one per message:
// on a real disk that roughly halves the cost of storing a message. Receivers store the sender's
// ids, so they benefit too.
import { randomUUID } from 'node:crypto';

export function newMessageId(now = Date.now()): string {
  // Start from a random v4 UUID (its variant bits are already RFC 9562's), put the 48-bit
  // timestamp in front and mark it version 7. The remaining 74 random bits keep ids unique.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
