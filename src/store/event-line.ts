// The NDJSON line of an event, built once from the JSON its data was stored as: an event stream
// (and a replay of thousands of stored events) then writes strings instead of re-serialising
// every event for every watcher.
import type { ChatEvent } from '../types.js';

const lines = new WeakMap<ChatEvent, string>();

/** Makes an event and remembers its line; `dataJson` is `JSON.stringify(data)`. */
export function eventWithLine(
  id: number,
  type: ChatEvent['type'],
  time: string,
  data: Record<string, unknown>,
  dataJson: string,
): ChatEvent {
  const event: ChatEvent = { id, type, time, data };
  // Same key order as JSON.stringify(event): a watcher cannot tell the difference.
  lines.set(event, `{"id":${id},"type":${JSON.stringify(type)},"time":${JSON.stringify(time)},"data":${dataJson}}`);
  return event;
}

/** The event as one JSON text, without a newline. */
export function eventLine(event: ChatEvent): string {
  return lines.get(event) ?? JSON.stringify(event);
}
