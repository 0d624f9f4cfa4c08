// A small internet in network namespaces (on top of TestLan): a public segment with a relay host,
// and private LANs each behind its own NAT router (iptables MASQUERADE, and a home router's
// firewall: only replies come in from the WAN side). The routers have no default route and no
// link leads out of the namespaces, so no traffic leaves them. Everything goes with lan.destroy().
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.js';
import { type TestDaemon, tempHome } from './daemon.js';
import { type Bridge, LAN_PORT, type LanHost, TestLan } from './netns.js';

/** Why NAT tests cannot run here (no iptables), or undefined. */
export function iptablesUnavailable(): string | undefined {
  try {
    execFileSync('iptables', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'NAT tests need iptables (apt install iptables)';
  }
}

export interface NatLan {
  router: LanHost;
  bridge: Bridge;
  /** The router's address on the public segment: what the relay sees as the source of this LAN's hosts. */
  wanAddress: string;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export class SmallInternet {
  readonly lan = new TestLan();
  /** The public segment (10.47.1.0/24). */
  readonly public: Bridge = this.lan.bridges[0] as Bridge;
  private readonly nats: NatLan[] = [];

  /** A host on the public segment (a relay on a VPS). */
  addPublicHost(name: string): LanHost {
    return this.lan.addHost(name, [this.public]);
  }

  /** A private LAN behind a NAT router: the router's eth0 is on the public segment, eth1 is the LAN's gateway (x.x.x.1). */
  addNatLan(name: string): NatLan {
    const bridge = this.lan.addBridge();
    const router = this.lan.addHost(name, [this.public, bridge]);
    const wan = router.interfaces[0]?.dev as string;
    const lanAddress = router.interfaces[1]?.address as string;
    const subnet = lanAddress.replace(/\.\d+$/, '.0/24');
    router.exec('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    router.exec('iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', subnet, '-o', wan, '-j', 'MASQUERADE');
    // A home router: from the WAN side, only replies to what the LAN started get in.
    for (const chain of ['INPUT', 'FORWARD']) {
      router.exec('iptables', '-A', chain, '-i', wan, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
      router.exec('iptables', '-A', chain, '-i', wan, '-j', 'DROP');
    }
    const nat = { router, bridge, wanAddress: router.interfaces[0]?.address as string };
    this.nats.push(nat);
    return nat;
  }

  /** A host on a NATed LAN, with its router as default gateway. */
  addPrivateHost(name: string, nat: NatLan): LanHost {
    const host = this.lan.addHost(name, [nat.bridge]);
    host.setDefaultRoute(nat.router.interfaces[1]?.address as string);
    return host;
  }

  /**
   * Default routes of the hosts on the public segment (relays and routers): with none, nothing
   * leaves the small internet (the private hosts' default routes end at their routers).
   */
  defaultRoutes(): string[] {
    const outward = this.lan.hosts.filter((h) => h.interfaces.some((i) => i.bridge === this.public));
    return outward.flatMap((h) => {
      const route = h.exec('ip', 'route', 'show', 'default').trim();
      return route ? [`${h.name}: ${route}`] : [];
    });
  }

  /** Whether `from` can open a TCP connection to `to`'s daemon port (bash's /dev/tcp, 2 s). */
  canDial(from: LanHost, to: LanHost): boolean {
    try {
      from.exec('timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${to.address}/${LAN_PORT}`);
      return true;
    } catch {
      return false;
    }
  }

  destroy(): void {
    this.lan.destroy();
  }
}

/** A daemon in `host` with beyond-the-LAN config (merged over the defaults), listening on every address of its namespace, mDNS off. */
export function wanDaemon(host: LanHost, config: DeepPartial<Config>): TestDaemon {
  const home = tempHome(`p2pchat-${host.name}-`);
  const file = join(home, 'wan-config.json');
  writeFileSync(file, JSON.stringify(config));
  return host.daemon({ home, args: ['--listen', `/ip4/0.0.0.0/tcp/${LAN_PORT}`, '--no-mdns'], env: { P2PCHAT_CONFIG: file } });
}
