// NDJSON (one JSON value per line) arriving in arbitrary chunks, as the event stream sends it.

/** Returns a chunk handler that hands each complete, non-empty line to `onLine`. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
      nl = buffered.indexOf('\n');
    }
  };
}
