// What `p2pchat connect` accepts besides a multiaddr: `host:port`, `[v6addr]:port`, a bare host
// name or address (port 4747), each optionally followed by `/p2p/<peer id>`. Pure parsing; the
// host name is resolved by the caller, so the CLI never loads a multiaddr library.
import { isIP } from 'node:net';

export const DEFAULT_PORT = 4747;

export interface HostPort {
  host: string;
  port: number;
  /** `/p2p/<id>` when the user gave one. */
  peer?: string | undefined;
}

/** Invitations start with this (see `p2pchat invite`). */
const INVITATION_PREFIX = 'p2pchat-invite:';
/** A bare peer id: base58btc, as long as libp2p's (12D3KooW… for Ed25519 keys, Qm… for RSA). */
const PEER_ID = /^(12D3KooW|Qm|16U)[1-9A-HJ-NP-Za-km-z]{40,120}$/;

/**
 * A multiaddr, an invitation or a peer id is passed through untouched; anything else must be
 * host[:port]. Throws with a message for the user.
 */
export function parseConnectTarget(input: string): { multiaddr: string } | { peerRef: string } | HostPort {
  const text = input.trim();
  if (text.startsWith('/')) return { multiaddr: text };
  if (text.startsWith(INVITATION_PREFIX) || PEER_ID.test(text)) return { peerRef: text };
  const slash = text.indexOf('/p2p/');
  const peer = slash === -1 ? undefined : text.slice(slash + '/p2p/'.length);
  const address = slash === -1 ? text : text.slice(0, slash);
  if (peer !== undefined && !/^[1-9A-HJ-NP-Za-km-z]+$/.test(peer)) throw new Error(`"${peer}" is not a peer id`);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(address);
  if (v6) {
    host = v6[1] as string;
    portText = v6[2];
    if (isIP(host) !== 6) throw new Error(`"${host}" is not an IPv6 address`);
  } else if (isIP(address) === 6) {
    host = address;
  } else {
    const colon = address.lastIndexOf(':');
    host = colon === -1 ? address : address.slice(0, colon);
    portText = colon === -1 ? undefined : address.slice(colon + 1);
  }
  if (!/^[A-Za-z0-9.:_-]+$/.test(host.replace(/%[\w.-]+$/, '')) || host.startsWith('-')) {
    throw new Error(`"${input}" is not an address: use host:port, [v6addr]:port, a host name, or a multiaddr (/ip4/…/tcp/…)`);
  }
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port < 1 || port > 65535)) {
    throw new Error(`"${portText}" is not a port (1-65535)`);
  }
  return { host, port, peer };
}

/** The multiaddr of an IP address and port (`/ip6/::1/tcp/4747/p2p/…`; a link-local zone as /ip6zone/). */
export function ipMultiaddr(ip: string, port: number, peer?: string): string {
  const tail = `/tcp/${port}${peer ? `/p2p/${peer}` : ''}`;
  if (isIP(ip) !== 6) return `/ip4/${ip}${tail}`;
  const [address, zone] = ip.split('%');
  return `${zone ? `/ip6zone/${zone}` : ''}/ip6/${address}${tail}`;
}
