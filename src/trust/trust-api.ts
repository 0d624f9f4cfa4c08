// The trust operations of the daemon API (contacts, blocks, message requests, forgetting a peer):
// written once here, served by the control socket to the CLI and any other face of the API.
import { peerIdFromString } from '@libp2p/peer-id';
import { ApiError } from '../api-errors.js';
import type { TrustTable } from '../store/trust-table.js';
import type { PeerInfo } from '../types.js';
import type { InboundTrust } from './inbound-trust.js';
import { checkPetname, type TrustBook } from './trust-book.js';

export interface MessageRequests {
  peer: PeerInfo;
  count: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
}

export interface TrustApi {
  contacts(): PeerInfo[];
  addContact(target: string, petname?: string): PeerInfo;
  renameContact(target: string, petname: string): PeerInfo;
  removeContact(target: string): PeerInfo;
  block(target: string): PeerInfo;
  unblock(target: string): PeerInfo;
  requests(): MessageRequests[];
  acceptRequests(target: string): PeerInfo & { accepted: number };
  forget(target: string, history: boolean): { peerId: string; messages: number };
}

export interface TrustApiDeps {
  book: TrustBook;
  table: TrustTable;
  inbound: InboundTrust;
  self: () => string;
  /** Resolves a user's target to a known peer (see src/control/resolve-peer.ts). */
  resolve(target: string): PeerInfo;
  /** The peer as the API shows it now, or a bare record for a peer id the store does not know. */
  peer(peerId: string): PeerInfo;
  peers(): PeerInfo[];
  /** Closes every connection to the peer (after a block, or when it is forgotten). */
  hangUp(peerId: string): Promise<void>;
}

/** The target as a peer id when it is a well-formed one: contacts can be added before they are met. */
function wellFormedPeerId(target: string): string | undefined {
  try {
    return peerIdFromString(target.trim()).toString();
  } catch {
    return undefined;
  }
}

function petnameOrThrow(name: string): string {
  const problem = checkPetname(name);
  if (problem) throw new ApiError('bad_request', problem);
  return name.trim();
}

export function createTrustApi(deps: TrustApiDeps): TrustApi {
  const target = (t: string, unknownIdOk = false): string => {
    let peerId: string;
    try {
      peerId = deps.resolve(t).peerId;
    } catch (err) {
      const parsed = unknownIdOk ? wellFormedPeerId(t) : undefined;
      if (parsed === undefined || !(err instanceof ApiError) || err.code !== 'unknown_peer') throw err;
      peerId = parsed;
    }
    if (peerId === deps.self()) throw new ApiError('bad_request', 'that is this daemon itself');
    return peerId;
  };
  return {
    contacts: () => deps.peers().filter((p) => p.trust === 'contact'),

    addContact(t, petname) {
      const peerId = target(t, true);
      deps.book.addContact(peerId, petname === undefined ? undefined : petnameOrThrow(petname));
      // What a stranger sent while it was one becomes ordinary history.
      if (deps.table.acceptRequests(peerId) > 0) deps.inbound.recount(peerId);
      return deps.peer(peerId);
    },

    renameContact(t, petname) {
      const peerId = target(t);
      if (deps.book.stateOf(peerId) !== 'contact') throw new ApiError('bad_request', 'only contacts have names of yours; add it first');
      deps.book.addContact(peerId, petnameOrThrow(petname));
      return deps.peer(peerId);
    },

    removeContact(t) {
      const peerId = target(t);
      if (deps.book.stateOf(peerId) !== 'contact') throw new ApiError('bad_request', 'that peer is not a contact');
      deps.book.removeContact(peerId);
      return deps.peer(peerId);
    },

    block(t) {
      const peerId = target(t, true);
      deps.book.block(peerId);
      // Its pending requests go (they were never accepted); history with a former contact stays.
      if (deps.table.dropRequests(peerId) > 0) deps.inbound.recount(peerId);
      void deps.hangUp(peerId);
      return deps.peer(peerId);
    },

    unblock(t) {
      const peerId = target(t);
      if (deps.book.stateOf(peerId) !== 'blocked') throw new ApiError('bad_request', 'that peer is not blocked');
      deps.book.unblock(peerId);
      return deps.peer(peerId);
    },

    requests() {
      return deps.table.requests().map((u) => ({ ...u, peer: deps.peer(u.peerId) }));
    },

    acceptRequests(t) {
      const peerId = target(t);
      const accepted = deps.table.requestsOf(peerId)?.count ?? 0;
      deps.book.addContact(peerId);
      deps.table.acceptRequests(peerId);
      deps.inbound.recount(peerId);
      return { ...deps.peer(peerId), accepted };
    },

    forget(t, history) {
      const peerId = target(t);
      if (deps.book.stateOf(peerId) === 'blocked') {
        throw new ApiError('bad_request', 'a blocked peer is remembered so that it stays blocked; unblock it first to forget it');
      }
      const { messages } = deps.table.forget(peerId, history);
      deps.book.forgotten(peerId);
      deps.inbound.recount(peerId);
      void deps.hangUp(peerId);
      return { peerId, messages };
    },
  };
}
