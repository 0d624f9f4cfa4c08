// The node's Ed25519 key: created once, kept forever, never silently replaced.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { writeSecretFile } from '../secret-file.js';
import { StartupRefusal } from './startup-error.js';

export const IDENTITY_FILE = 'identity.key';

export class IdentityError extends StartupRefusal {
  override name = 'IdentityError';
}

/** Loads the key from `dataDir`, or creates it (mode 0600) when there is none yet. */
export async function loadOrCreateIdentity(dataDir: string): Promise<{ privateKey: PrivateKey; created: boolean }> {
  const path = join(dataDir, IDENTITY_FILE);
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityError(
        `cannot read identity key ${path}: ${(err as Error).message}. Fix its permissions; it is never replaced automatically.`,
      );
    }
  }
  if (bytes !== undefined) {
    try {
      const key = privateKeyFromProtobuf(bytes);
      if (key.type !== 'Ed25519') throw new Error(`unexpected key type ${key.type}`);
      return { privateKey: key, created: false };
    } catch (err) {
      throw new IdentityError(
        `identity key ${path} is corrupt (${(err as Error).message}). Restore it from a backup, or move it away to start with a new peer id.`,
      );
    }
  }
  const privateKey = await generateKeyPair('Ed25519');
  writeSecretFile(path, privateKeyToProtobuf(privateKey));
  return { privateKey, created: true };
}
