// Room authors' public keys, ready for verification. A room message names its author by peer id;
// decoding the id and importing its Ed25519 key cost more than a third of a verification, and a
// catch-up verifies thousands of messages of the same few authors, so keys are kept in a small
// cache. Verification runs on libuv's thread pool (node:crypto's callback form), so a page of
// messages is verified on every core while the event loop goes on with frames and requests.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { peerIdFromString } from '@libp2p/peer-id';

/** Authors whose keys are kept: a room with more active authors than this only re-imports some keys. */
const MAX_CACHED_AUTHORS = 4096;
const ED25519_SIGNATURE_BYTES = 64;

/** Ed25519 keys by author peer id; `null` remembers an id that is not an Ed25519 peer id. */
const cache = new Map<string, KeyObject | null>();

/** The author's Ed25519 public key, or undefined when `author` is not an Ed25519 peer id. */
export function authorKey(author: string): KeyObject | undefined {
  const cached = cache.get(author);
  if (cached !== undefined) return cached ?? undefined;
  const key = importKey(author);
  if (cache.size >= MAX_CACHED_AUTHORS) cache.delete(cache.keys().next().value as string);
  cache.set(author, key ?? null);
  return key;
}

function importKey(author: string): KeyObject | undefined {
  try {
    const id = peerIdFromString(author);
    if (id.type !== 'Ed25519' || id.publicKey === undefined) return undefined;
    const x = Buffer.from(id.publicKey.raw).toString('base64url');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** Whether `signature` is the author's Ed25519 signature over `data`; computed on the thread pool. */
export function verifyByAuthor(author: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = authorKey(author);
  if (key === undefined || signature.byteLength !== ED25519_SIGNATURE_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, data, key, signature, (err, ok) => resolve(err === null && ok));
    } catch {
      resolve(false);
    }
  });
}
