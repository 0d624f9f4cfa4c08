// Invitations: one string with a daemon's peer id and the addresses it can be reached on now
// (direct and through relays), to pass on by any channel. Pure encoding and validation.

export const INVITATION_PREFIX = 'p2pchat-invite:';
/** An invitation is pasted by hand and parsed from untrusted input: bounded. */
export const MAX_INVITATION_CHARS = 8192;
export const MAX_INVITATION_ADDRESSES = 16;

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,128}$/;

export interface Invitation {
  peerId: string;
  /** Multiaddrs, each ending in /p2p/<peerId>. */
  addresses: string[];
}

export class InvitationError extends Error {
  override name = 'InvitationError';
}

export function isPeerIdText(text: string): boolean {
  return PEER_ID.test(text);
}

export function isInvitationText(text: string): boolean {
  return text.trim().startsWith(INVITATION_PREFIX);
}

/** The address with /p2p/<peerId> at its end (relay addresses end in the target's id, too). */
function withPeer(addr: string, peerId: string): string {
  return addr.endsWith(`/p2p/${peerId}`) ? addr : `${addr}/p2p/${peerId}`;
}

export function encodeInvitation(invitation: Invitation): string {
  const addresses = invitation.addresses.slice(0, MAX_INVITATION_ADDRESSES).map((a) => withPeer(a, invitation.peerId));
  const body = JSON.stringify({ v: 1, id: invitation.peerId, a: addresses });
  return INVITATION_PREFIX + Buffer.from(body, 'utf8').toString('base64url');
}

/** Parses an invitation; throws InvitationError saying what is wrong. Addresses are checked only for shape here. */
export function decodeInvitation(text: string): Invitation {
  const trimmed = text.trim();
  if (!trimmed.startsWith(INVITATION_PREFIX)) throw new InvitationError(`an invitation starts with ${INVITATION_PREFIX}`);
  if (trimmed.length > MAX_INVITATION_CHARS) throw new InvitationError(`the invitation is longer than ${MAX_INVITATION_CHARS} characters`);
  const payload = trimmed.slice(INVITATION_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(payload)) throw new InvitationError('the invitation is damaged (characters outside base64url)');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvitationError('the invitation is damaged (not readable): copy it again, whole');
  }
  const { v, id, a } = (body ?? {}) as { v?: unknown; id?: unknown; a?: unknown };
  if (v !== 1) throw new InvitationError('the invitation is of an unknown version (a newer p2pchat?)');
  if (typeof id !== 'string' || !isPeerIdText(id)) throw new InvitationError('the invitation names no valid peer id');
  if (!Array.isArray(a) || a.length > MAX_INVITATION_ADDRESSES) {
    throw new InvitationError(`the invitation must list at most ${MAX_INVITATION_ADDRESSES} addresses`);
  }
  const addresses = a.filter((x): x is string => typeof x === 'string' && x.startsWith('/') && x.length <= 512).map((x) => withPeer(x, id));
  return { peerId: id, addresses };
}
