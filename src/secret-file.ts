// Secrets on disk (the identity key, the web app's session key): written atomically (temporary
// file, fsync, rename) with mode 0600, so a crash never leaves a half-written key and no other
// user can read it.
import { chmodSync, closeSync, constants, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

export function writeSecretFile(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The mode given to open() is filtered by the umask: set it outright.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
