// The web app's secret: signs session cookies and derives CSRF tokens. Kept in the data dir (mode
// 0600, like the identity key), so that a browser stays logged in across daemon restarts: an
// EventSource that gets a 401 after a restart gives up for good, and the user would have to ask
// `p2pchat web` for a new link each time.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from '../secret-file.js';

export const SESSION_KEY_FILE = 'web-session.key';
const KEY_BYTES = 32;

/** Reads the key, or creates it on first use. A key of the wrong size is replaced: it only logs browsers out. */
export function loadOrCreateSessionKey(dataDir: string): Buffer {
  const path = join(dataDir, SESSION_KEY_FILE);
  try {
    const key = readFileSync(path);
    if (key.length === KEY_BYTES) return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(KEY_BYTES);
  writeSecretFile(path, key);
  return key;
}
