// Which peer a user means by a target: a full peer id, a unique peer-id prefix, or a unique
// display name. Pure function: the control API and tests call it directly.
import type { PeerInfo } from '../types.js';
import { ApiError } from './errors.js';

type Candidate = Pick<PeerInfo, 'peerId' | 'name'>;

export function resolvePeer<T extends Candidate>(target: string, peers: T[]): T {
  const wanted = target.trim();
  if (wanted === '') throw new ApiError('bad_request', 'peer must not be empty');
  const exact = peers.find((p) => p.peerId === wanted);
  if (exact) return exact;
  const byName = peers.filter((p) => p.name === wanted);
  const byPrefix = wanted.length >= 4 ? peers.filter((p) => p.peerId.startsWith(wanted)) : [];
  const matches = [...new Map([...byName, ...byPrefix].map((p) => [p.peerId, p])).values()];
  if (matches.length === 1) return matches[0] as T;
  if (matches.length === 0) {
    throw new ApiError('unknown_peer', `no known peer matches "${wanted}"; see 'p2pchat peers'`, {
      candidates: peers.map(({ peerId, name }) => ({ peerId, name })),
    });
  }
  throw new ApiError('ambiguous_peer', `"${wanted}" matches ${matches.length} peers; use a longer peer id prefix`, {
    candidates: matches.map(({ peerId, name }) => ({ peerId, name })),
  });
}
