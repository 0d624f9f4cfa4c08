// What beyond-the-LAN adds to the libp2p node: the circuit relay transport (always, when on), the
// relay server (opt-in), kad-dht on p2pchat's own protocol, identify push, and the ping service
// the DHT needs. Pure construction from the config; nothing runs here.
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayServerInit } from '@libp2p/circuit-relay-v2';
import { identifyPush } from '@libp2p/identify';
import type { PeerInfo } from '@libp2p/interface';
import { kadDHT } from '@libp2p/kad-dht';
import type { Config } from '../config/schema.js';
import type { NodeOptions } from '../node/create-node.js';
import { shareableAddress } from './address-policy.js';
import { dhtPing } from './dht-ping.js';

/** p2pchat daemons form their own DHT: the default /ipfs/kad/1.0.0 would join the public IPFS one. */
export const DHT_PROTOCOL = '/p2pchat/kad/1.0.0';

export type WanConfig = Pick<Config, 'wan' | 'relay'>;

/** Beyond-the-LAN is opt-in (privacy): on with `wan.enabled`, and on any relay server. */
export function wanEnabled(config: WanConfig): boolean {
  return config.wan.enabled || config.relay.server;
}

/** The DHT serves queries on a relay and where the user says this daemon is reachable; behind a NAT it is a client. */
export function dhtServes(config: WanConfig): boolean {
  return config.relay.server || config.wan.dhtServer;
}

/**
 * The relay server's limits, well above libp2p's defaults (2 minutes and 128 KiB per relayed
 * connection, which a chat outgrows in minutes). The server takes its duration in milliseconds.
 */
export function relayServerInit(relay: Config['relay']): CircuitRelayServerInit {
  return {
    reservations: {
      maxReservations: relay.maxReservations,
      reservationTtl: relay.reservationTtlSeconds * 1000,
      applyDefaultLimit: true,
      defaultDurationLimit: relay.durationLimitSeconds * 1000,
      defaultDataLimit: BigInt(relay.dataLimitBytes),
    },
  };
}

/** The DHT's address mapper: see shareableAddress (loopback never, private ranges only when the user says so). */
export function dhtAddressMapper(keepPrivate: boolean): (peer: PeerInfo) => PeerInfo {
  return (peer) => ({ ...peer, multiaddrs: peer.multiaddrs.filter((ma) => shareableAddress(ma.toString(), keepPrivate)) });
}

export interface WanNodeOptions extends Pick<NodeOptions, 'extraTransports' | 'extraServices' | 'announce'> {
  /** Added to the listen addresses: `/p2p-circuit` asks the relay transport to reserve on connected relays. */
  listen: string[];
}

export function wanNodeOptions(config: WanConfig): WanNodeOptions {
  if (!wanEnabled(config)) return { listen: [], extraTransports: [], extraServices: {}, announce: [] };
  const services: Record<string, (components: never) => unknown> = {
    identifyPush: identifyPush(),
    ping: dhtPing(),
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: !dhtServes(config),
      peerInfoMapper: dhtAddressMapper(config.wan.privateAddresses),
      logPrefix: 'libp2p:p2pchat-dht',
      datastorePrefix: '/p2pchat-dht',
      metricsPrefix: 'p2pchat_dht',
    }),
  };
  if (config.relay.server) services.relay = circuitRelayServer(relayServerInit(config.relay));
  return {
    // A relay does not reserve on other relays; everyone else listens through whichever relay it
    // connects to. Listening on `/p2p-circuit` never fails at start, unlike a relay's own address,
    // which makes start-up fail when that relay is down.
    listen: config.relay.server ? [] : ['/p2p-circuit'],
    extraTransports: [circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    extraServices: services,
    announce: config.wan.announce,
  };
}
