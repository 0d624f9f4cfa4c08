// Noise's X25519 with Node's crypto, without its slow path. @chainsafe/libp2p-noise's Node crypto
// imports both keys of every Diffie-Hellman from DER, and OpenSSL 3's DER decoder makes that about
// 0.7 ms per operation here: with 3 per side and per connection, key parsing was half of the CPU a
// connection costs, which a LAN of 30 daemons starting on one small machine pays 435 times over.
// Here our own keys stay Node KeyObjects from the moment they are made (found again by the key's
// byte array, which Noise passes back as it got it), and the peer's public keys are imported as
// JWK, which costs a fifth of DER. Everything else is Noise's own default.
import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';

/** Our private keys as KeyObjects, by the byte array Noise holds (gone with the handshake that holds it). */
const privateKeys = new WeakMap<object, KeyObject>();

function fromBase64Url(text: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(text ?? '', 'base64url'));
}

export const fastNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,

  generateX25519KeyPair() {
    const { privateKey } = generateKeyPairSync('x25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const pair = { publicKey: fromBase64Url(jwk.x), privateKey: fromBase64Url(jwk.d) };
    privateKeys.set(pair.privateKey, privateKey);
    return pair;
  },

  generateX25519SharedKey(privateKey, publicKey) {
    const own = privateKeys.get(privateKey);
    // A key that did not come from here (none today) takes Noise's own path.
    if (!own) return defaultCrypto.generateX25519SharedKey(privateKey, publicKey);
    // subarray() is the whole key for a Uint8Array and a joined copy for a Uint8ArrayList.
    const x = Buffer.from(publicKey.subarray()).toString('base64url');
    return diffieHellman({ privateKey: own, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' }) });
  },
};
