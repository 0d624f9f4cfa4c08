// The configuration of everything beyond the LAN: the WAN client (relays, DHT, announced
// addresses) and the relay server. Part of the one schema in schema.ts.
import { z } from 'zod';

const peerMultiaddr = z.string().regex(/^\/.+\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, 'a multiaddr ending in /p2p/<peer id>');

/**
 * protons-runtime 7.1 (under @libp2p/circuit-relay-v2) encodes uint64 values from 2^31 to 2^32 - 1
 * wrongly: such a data limit reaches clients as garbage or as 0 ("no limit").
 */
export function dataLimitEncodesWell(bytes: number): boolean {
  return bytes < 2 ** 31 || bytes >= 2 ** 32;
}

export const wanSchema = z.strictObject({
  enabled: z
    .boolean()
    .describe(
      'Reach peers beyond the LAN: circuit relay client, peer routing on the p2pchat DHT (/p2pchat/kad/1.0.0), the relays and bootstrap peers below. Off by default: a LAN-only daemon contacts nothing outside its LAN. A relay server (relay.server) has it on whatever this says.',
    ),
  relays: z
    .array(peerMultiaddr)
    .describe('Relay daemons to keep connected and hold a reservation on, so that peers reach this daemon through them (behind a NAT).'),
  bootstrap: z
    .array(peerMultiaddr)
    .describe('DHT bootstrap daemons to keep connected: the way into the p2pchat DHT. Relays are bootstrap peers too.'),
  announce: z
    .array(z.string().regex(/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+$/, 'a multiaddr such as /dns4/relay.example.org/tcp/4747'))
    .describe(
      'Public addresses of this daemon to announce (a VPS, a port forward): libp2p does not announce a public address it has not verified, and AutoNAT is not used.',
    ),
  dhtServer: z
    .boolean()
    .describe('Answer other daemons’ DHT queries (DHT server mode). Always on for a relay server; leave off behind a NAT.'),
  privateAddresses: z
    .boolean()
    .describe(
      'Keep private and test-range addresses (10/8, 172.16/12, 192.168/16, 100.64/10, ...) in what the DHT hands out and accepts. Off: only public addresses and relay addresses through a public relay. On for a private network of your own on such ranges (a VPN, a lab). Loopback addresses are always dropped.',
    ),
  redialMaxMs: z
    .number()
    .int()
    .min(1000)
    .describe('Longest delay between redials of a relay or bootstrap peer that went away; they are redialled forever.'),
});

export const relaySchema = z.strictObject({
  server: z
    .boolean()
    .describe(
      'Relay other daemons’ connections (circuit relay v2 server) and serve the DHT: for a daemon with a public or otherwise reachable address. Off by default.',
    ),
  reservationsFrom: z
    .enum(['anyone', 'contacts'])
    .describe(
      'Who may hold a reservation on this relay: anyone (not blocked), or only its contacts (add your own daemons with `p2pchat contacts add`). Blocked peers never.',
    ),
  maxReservations: z.number().int().min(1).describe('Most peers holding a reservation on this relay at once; more are refused.'),
  reservationTtlSeconds: z.number().int().min(60).describe('How long a reservation lasts; clients renew it before it expires.'),
  durationLimitSeconds: z
    .number()
    .int()
    .min(1)
    .max(604_800)
    .describe('A relayed connection is closed after this long (libp2p’s default is 2 minutes); the peers then reconnect.'),
  dataLimitBytes: z
    .number()
    .int()
    .min(4096)
    .refine(dataLimitEncodesWell, 'must be below 2147483648 or at least 4294967296 (libp2p encodes the values between wrongly)')
    .describe(
      'A relayed connection is closed after this many bytes, both directions together (libp2p’s default is 128 KiB); the peers then reconnect and resend what was not acknowledged.',
    ),
});
