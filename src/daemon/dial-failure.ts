// Why `p2pchat connect` failed, in words a user can act on: libp2p's error, then what it usually
// means. Pure: the daemon's connect answers with it (src/daemon/peer-operations.ts).

/** What a dial error usually means, for the errors seen in practice; undefined for the others. */
export function dialFailureHint(message: string): string | undefined {
  if (/ECONNREFUSED/.test(message)) return 'nothing listens at that address: is the daemon running there, and is the port right?';
  if (/ECONNRESET|Encryption failed|EPIPE/.test(message)) {
    // libp2p takes at most 5 new connections a second from one address (its inboundConnectionThreshold).
    return 'the peer closed the connection while it was being set up: it may be taking no more connections from your address for a moment; try again';
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return 'no route to that address from this machine (another network, or a firewall)';
  if (/abort|timed? ?out|TimeoutError/i.test(message)) {
    return 'no answer in time: a wrong address, a firewall, or a peer behind a NAT (see docs/wan.md: invitations and relays)';
  }
  return undefined;
}

/** The whole answer: what was dialled, libp2p's error, and the hint when there is one. */
export function dialFailureText(shown: string, message: string): string {
  const hint = dialFailureHint(message);
  return `could not connect to ${shown}: ${message}${hint ? ` (${hint})` : ''}`;
}
