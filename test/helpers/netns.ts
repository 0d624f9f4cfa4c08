// A LAN in a box: Linux network namespaces joined by bridges with veth pairs, one daemon per
// namespace. The bridges live in a "switch" namespace of their own, so nothing is ever created in
// the machine's own network stack, and every address (10.47.<bridge>.<host>/24) exists only
// inside the namespaces made here. Everything is removed by destroy(), on exit and on
// SIGINT/SIGTERM; namespaces left behind by a run that was killed outright are removed by the next.
import { execFileSync } from 'node:child_process';
import { type DaemonOptions, TestDaemon } from './daemon.js';

/**
 * The test file that runs this process (node --test runs each file in a process of its own), as a
 * short name: `lan-dns-sd` for dist/test/e2e/lan-dns-sd.test.js.
 */
function testFileTag(): string {
  const file = process.argv.find((a) => /\.test\.[cm]?[jt]s$/.test(a)) ?? 'run';
  const base = file.split('/').pop() ?? 'run';
  return base
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .slice(0, 24);
}

/**
 * Every namespace made here is named `p2pl-<test file>-<pid>-...`, so a later run knows whose it
 * was. Stale namespaces are removed only when they are the same test file's: runs of other files
 * (perhaps in another PID namespace, where their live process looks dead from here) are left alone.
 */
const PREFIX = `p2pl-${testFileTag()}`;
const SUBNET = '10.47';
/** The daemons' TCP port: each namespace has its own stack, so all use the same one. */
export const LAN_PORT = 4747;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // cleanup goes on even when one step fails
  }
}

function listNamespaces(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills what still runs inside a namespace (only processes this harness started there), then deletes it. */
function removeNamespace(ns: string): void {
  let pids: number[] = [];
  try {
    pids = ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
  } catch {
    // already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  tryIp('netns', 'del', ns);
}

/** Removes namespaces of earlier runs whose process is gone (a run killed with SIGKILL cannot clean up). */
function removeStaleNamespaces(): void {
  for (const ns of listNamespaces()) {
    const match = new RegExp(`^${PREFIX}-(\\d+)-`).exec(ns);
    if (match && Number(match[1]) !== process.pid && !processAlive(Number(match[1]))) removeNamespace(ns);
  }
}

let unavailable: string | undefined | null = null;

/**
 * Why namespaces cannot be used here, or undefined when they can: tests pass this as `skip`, so
 * that a machine without them says so instead of passing silently.
 */
export function netnsUnavailable(): string | undefined {
  if (unavailable !== null) return unavailable;
  unavailable = probe();
  return unavailable;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return 'multi-host tests need Linux network namespaces';
  if (process.getuid?.() !== 0) return 'multi-host tests need root to create network namespaces (run as root, as CI does)';
  const ns = `${PREFIX}-${process.pid}-probe`;
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'add', 'probe0', 'type', 'bridge');
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    return `cannot create network namespaces here: ${stderr || (err as Error).message}`;
  } finally {
    tryIp('netns', 'del', ns);
  }
}

const live = new Set<TestLan>();
let hooked = false;

function destroyAll(): void {
  for (const lan of live) lan.destroy();
}

/** Cleanup on exit and on SIGINT/SIGTERM; the signal is then raised again so the process ends as it would have. */
function hookProcess(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', destroyAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      destroyAll();
      process.kill(process.pid, signal);
    });
  }
}

export interface Bridge {
  /** 1-based; the bridge's subnet is 10.47.<index>.0/24. */
  index: number;
  name: string;
}

export interface LanInterface {
  dev: string;
  bridge: Bridge;
  address: string;
}

export class LanHost {
  readonly ns: string;
  readonly name: string;
  readonly interfaces: LanInterface[] = [];
  private readonly lan: TestLan;

  constructor(lan: TestLan, name: string, ns: string) {
    this.lan = lan;
    this.name = name;
    this.ns = ns;
  }

  /** The host's address on its first interface. */
  get address(): string {
    return (this.interfaces[0] as LanInterface).address;
  }

  /** The multiaddr another daemon dials to reach this host's daemon on a given interface. */
  multiaddr(peerId: string, iface = 0): string {
    return `/ip4/${(this.interfaces[iface] as LanInterface).address}/tcp/${LAN_PORT}/p2p/${peerId}`;
  }

  /** Runs a command inside this host's namespace and returns its stdout. */
  exec(command: string, ...args: string[]): string {
    return ip('netns', 'exec', this.ns, command, ...args);
  }

  /**
   * Takes a link down (a pulled cable) or brings it back. Down deletes the routes through the
   * link, and up does not bring the multicast route back, so it is added again here.
   */
  setLink(up: boolean, iface = 0): void {
    const { dev } = this.interfaces[iface] as LanInterface;
    ip('-n', this.ns, 'link', 'set', dev, up ? 'up' : 'down');
    if (up) this.addMulticastRoute(iface);
  }

  addMulticastRoute(iface: number): void {
    const { dev } = this.interfaces[iface] as LanInterface;
    // One multicast route per link; the metric orders them (the first interface sends by default).
    ip('-n', this.ns, 'route', 'replace', '224.0.0.0/4', 'dev', dev, 'metric', String(iface));
  }

  /**
   * Makes this host unable to open TCP connections to the daemons' port (a policy rule that
   * prohibits them), while connections from others still come in: whoever connects to it must
   * have found it.
   */
  blockOutgoingDials(): void {
    ip('-n', this.ns, 'rule', 'add', 'ipproto', 'tcp', 'dport', String(LAN_PORT), 'prohibit');
  }

  /** Sends everything not on a local subnet to `gateway` (a LAN with a router). */
  setDefaultRoute(gateway: string): void {
    ip('-n', this.ns, 'route', 'replace', 'default', 'via', gateway);
  }

  /**
   * An IPv4 counter of this host's stack from /proc/net/snmp, such as InAddrErrors: packets that
   * reached this host but were addressed to another one (a host that does not forward drops them).
   */
  ipCounter(name: string): number {
    const lines = this.exec('cat', '/proc/net/snmp')
      .split('\n')
      .filter((l) => l.startsWith('Ip: '));
    const [header, values] = lines.map((l) => l.trim().split(/\s+/));
    const index = header?.indexOf(name) ?? -1;
    if (index < 0 || !values?.[index]) throw new Error(`no IP counter ${name}`);
    return Number(values[index]);
  }

  /** A daemon in this namespace: listening on every address, mDNS on, its own home. */
  daemon(options: Partial<DaemonOptions> = {}): TestDaemon {
    return new TestDaemon({
      name: this.name,
      netns: this.ns,
      args: ['--listen', `/ip4/0.0.0.0/tcp/${LAN_PORT}`],
      ...options,
    });
  }

  /** Connects a new interface to a bridge. */
  attach(bridge: Bridge): LanInterface {
    const iface = this.interfaces.length;
    const dev = `eth${iface}`;
    const hostIndex = this.lan.nextAddress(bridge);
    const switchEnd = `h${this.lan.hostIndex(this)}i${iface}`;
    const address = `${SUBNET}.${bridge.index}.${hostIndex}`;
    ip('link', 'add', dev, 'netns', this.ns, 'type', 'veth', 'peer', 'name', switchEnd, 'netns', this.lan.switchNs);
    ip('-n', this.lan.switchNs, 'link', 'set', switchEnd, 'master', bridge.name, 'up');
    ip('-n', this.ns, 'addr', 'add', `${address}/24`, 'dev', dev);
    ip('-n', this.ns, 'link', 'set', dev, 'up');
    const entry = { dev, bridge, address };
    this.interfaces.push(entry);
    this.addMulticastRoute(iface);
    return entry;
  }
}

/** One LAN: a switch namespace with bridges, and hosts (namespaces) plugged into them. */
export class TestLan {
  readonly id: string;
  readonly switchNs: string;
  readonly bridges: Bridge[] = [];
  readonly hosts: LanHost[] = [];
  private readonly addressesUsed = new Map<number, number>();
  private destroyed = false;

  private static count = 0;

  /** Creates the switch namespace and one bridge; more bridges with addBridge(). */
  constructor() {
    hookProcess();
    removeStaleNamespaces();
    this.id = `${PREFIX}-${process.pid}-${++TestLan.count}`;
    this.switchNs = `${this.id}-sw`;
    live.add(this);
    ip('netns', 'add', this.switchNs);
    this.addBridge();
  }

  addBridge(): Bridge {
    const bridge = { index: this.bridges.length + 1, name: `br${this.bridges.length + 1}` };
    // No multicast snooping: with no querier on the LAN the bridge would otherwise guess.
    ip('-n', this.switchNs, 'link', 'add', bridge.name, 'type', 'bridge', 'mcast_snooping', '0');
    ip('-n', this.switchNs, 'link', 'set', bridge.name, 'up');
    this.bridges.push(bridge);
    return bridge;
  }

  /** A new host (namespace) with one interface on each of the given bridges (default: the first). */
  addHost(name: string, bridges: Bridge[] = [this.bridges[0] as Bridge]): LanHost {
    const host = new LanHost(this, name, `${this.id}-${name}`);
    ip('netns', 'add', host.ns);
    this.hosts.push(host);
    ip('-n', host.ns, 'link', 'set', 'lo', 'up');
    for (const bridge of bridges) host.attach(bridge);
    return host;
  }

  hostIndex(host: LanHost): number {
    return this.hosts.indexOf(host) + 1;
  }

  nextAddress(bridge: Bridge): number {
    const next = (this.addressesUsed.get(bridge.index) ?? 0) + 1;
    this.addressesUsed.set(bridge.index, next);
    return next;
  }

  /** Removes every namespace of this LAN, killing what still runs in them. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const host of this.hosts) removeNamespace(host.ns);
    removeNamespace(this.switchNs);
  }
}
