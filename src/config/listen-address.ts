// What a listen address must look like, checked before libp2p sees it: libp2p's own errors are
// long, name an internal setting and come with a stack. Dependency-free (the CLI loads config too).
import { isIPv4, isIPv6 } from 'node:net';

/** The TCP port libp2p listens on when the configuration does not name one. */
export const DEFAULT_PORT = 4747;

export interface ListenAddress {
  /** ip4, ip6, dns, dns4 or dns6. */
  family: string;
  host: string;
  port: number;
}

/**
 * Reads `/ip4/<addr>/tcp/<port>` (or ip6, dns, dns4, dns6); anything else is a string saying what is
 * wrong, in words a user can act on. TCP is the only transport the daemon runs.
 */
export function parseListenAddress(address: string): ListenAddress | string {
  const parts = address.split('/');
  if (parts[0] !== '' || parts.length < 5) return 'expected a multiaddr such as /ip4/0.0.0.0/tcp/4747';
  const [, family = '', host = '', transport = '', portText = '', ...rest] = parts;
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(family)) return `"${family}" is not an address family (ip4, ip6, dns, dns4, dns6)`;
  if (family === 'ip4' && !isIPv4(host)) return `"${host}" is not an IPv4 address`;
  if (family === 'ip6' && !isIPv6(host)) return `"${host}" is not an IPv6 address`;
  if (family.startsWith('dns') && !/^[A-Za-z0-9.-]{1,253}$/.test(host)) return `"${host}" is not a host name`;
  if (transport !== 'tcp') return `"${transport}" is not supported: the daemon listens on TCP only (/tcp/<port>)`;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `"${portText}" is not a TCP port (0 to 65535; 0 picks a free one)`;
  if (rest.length > 0) return `unexpected "/${rest.join('/')}" after the port`;
  return { family, host, port: Number(portText) };
}
