// Before the CLI sends anything over the control socket (message texts included), it checks who
// owns the socket, as ssh-agent clients and tailscale's LocalAPI do: another local user who got
// to create the socket's directory first could otherwise listen there and read what we send.
// Node has no API for the peer's credentials on a Unix socket (SO_PEERCRED), so the owner of the
// socket file is what we can check: one lstat, before connecting.
import { lstatSync, type Stats, statSync } from 'node:fs';

export class UntrustedSocketError extends Error {
  override name = 'UntrustedSocketError';
  constructor(
    readonly socketPath: string,
    reason: string,
  ) {
    super(
      `refusing to talk to ${socketPath}: it ${reason}; nothing was sent. Another user may be posing as your daemon: check the socket path (--home, --socket, P2PCHAT_SOCKET)`,
    );
  }
}

type SocketStat = Pick<Stats, 'uid' | 'isSocket' | 'isSymbolicLink'>;

/** Why a socket file is not to be trusted by a client running as `uid`, or undefined when it is: ours, or root's. */
export function judgeSocket(st: SocketStat, uid: number): string | undefined {
  if (st.uid !== uid && st.uid !== 0) return `belongs to uid ${st.uid}, not to you (uid ${uid}) or root`;
  if (!st.isSocket() && !st.isSymbolicLink()) return 'is not a socket';
  return undefined;
}

/**
 * Throws UntrustedSocketError for a socket another user owns. A missing socket passes: connecting
 * then fails as "no daemon is running". A symlink must be ours and lead to a socket that is ours.
 */
export function checkSocketOwner(socketPath: string, uid = process.getuid?.()): void {
  if (uid === undefined) return; // no users to tell apart (Windows)
  let st: Stats;
  try {
    st = lstatSync(socketPath);
  } catch {
    return; // ENOENT, EACCES...: the connection attempt reports it
  }
  let reason = judgeSocket(st, uid);
  if (reason === undefined && st.isSymbolicLink()) {
    try {
      reason = judgeSocket(statSync(socketPath), uid);
      if (reason !== undefined) reason = `leads to a file that ${reason}`;
    } catch {
      return;
    }
  }
  if (reason !== undefined) throw new UntrustedSocketError(socketPath, reason);
}
