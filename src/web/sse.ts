// Server-sent events: the daemon's event stream as a browser's EventSource reads it. Each event's
// `id:` is its event id, so a browser that reconnects by itself sends `Last-Event-ID` and the
// stream resumes after it (see resumeFrom in src/control/event-stream.ts).
import type { StreamFormat } from '../control/event-stream.js';
import { eventLine } from '../store/event-line.js';

/** How long the browser waits before reconnecting after the stream ends (a daemon restart). */
export const SSE_RETRY_MS = 1000;

export const SSE_FORMAT: StreamFormat = {
  contentType: 'text/event-stream; charset=utf-8',
  preamble: `retry: ${SSE_RETRY_MS}\n\n`,
  // JSON has no raw line breaks (JSON.stringify escapes \n and \r), so one data line holds the event.
  encode: (event) => `id: ${event.id}\ndata: ${eventLine(event)}\n\n`,
};
