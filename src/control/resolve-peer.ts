// Which peer a user means by a target: a full peer id, a unique peer-id prefix, or a name. Names
// are looked up among your contacts only (your petname for a contact first, then the name it
// claims), so a stranger can never take over a name: strangers are reached by id or id prefix.
// Pure function: the control API and tests call it directly.
import type { PeerInfo } from '../types.js';
import { ApiError } from '../api-errors.js';

type Candidate = Pick<PeerInfo, 'peerId' | 'name'> & Partial<Pick<PeerInfo, 'trust' | 'petname' | 'claimedName'>>;

/** Shortest id prefix accepted: shorter ones match too much to mean anything. */
const MIN_PREFIX = 4;

export interface ResolveOptions {
  /** The `open` inbound policy: strangers count as contacts, for names too. */
  strangersAreContacts?: boolean;
}

function candidates<T extends Candidate>(peers: T[]): { peerId: string; name: string | null; trust?: string }[] {
  return peers.map(({ peerId, name, trust }) => ({ peerId, name, ...(trust ? { trust } : {}) }));
}

export function resolvePeer<T extends Candidate>(target: string, peers: T[], options: ResolveOptions = {}): T {
  const wanted = target.trim();
  if (wanted === '') throw new ApiError('bad_request', 'peer must not be empty');
  const exact = peers.find((p) => p.peerId === wanted);
  if (exact) return exact;

  const trust = (p: T) => (p.trust === 'stranger' && options.strangersAreContacts ? 'contact' : (p.trust ?? 'contact'));
  const claimed = (p: T) => (p.claimedName === undefined ? p.name : p.claimedName);
  // Your own names first: a petname (contacts, and blocked peers so that `unblock NAME` works).
  let byName = peers.filter((p) => p.petname != null && p.petname === wanted && trust(p) !== 'stranger');
  if (byName.length === 0) byName = peers.filter((p) => trust(p) === 'contact' && claimed(p) === wanted);
  const byPrefix = wanted.length >= MIN_PREFIX ? peers.filter((p) => p.peerId.startsWith(wanted)) : [];
  const matches = [...new Map([...byName, ...byPrefix].map((p) => [p.peerId, p])).values()];
  if (matches.length === 1) return matches[0] as T;
  if (matches.length > 1) {
    throw new ApiError('ambiguous_peer', `"${wanted}" matches ${matches.length} peers; use a longer peer id prefix`, {
      candidates: candidates(matches),
    });
  }
  const strangers = peers.filter((p) => trust(p) === 'stranger' && claimed(p) === wanted);
  if (strangers.length > 0) {
    throw new ApiError(
      'unknown_peer',
      `no contact is called "${wanted}"; ${strangers.length === 1 ? 'a stranger claims' : `${strangers.length} strangers claim`} that name. ` +
        'Names are claims: reach a stranger by its peer id, or make it a contact first (p2pchat contacts add <peer id> --as NAME)',
      { candidates: candidates(strangers) },
    );
  }
  throw new ApiError('unknown_peer', `no known peer matches "${wanted}"; see 'p2pchat peers'`, {
    candidates: candidates(peers.filter((p) => trust(p) !== 'stranger').slice(0, 20)),
  });
}
