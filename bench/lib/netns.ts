// A private network for the mesh scenario: one namespace per daemon, each with a veth into a
// bridge that lives in a namespace of its own, so nothing is added to the machine's own network.
// Addresses come from 10.48.0.0/16 and exist only inside these namespaces. Always call destroy().
import { execFileSync } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'the ip command (iproute2) is not available';
  }
  return undefined;
}

export interface Host {
  netns: string;
  address: string;
}

export class NetnsLab {
  /** Unique per bench process, so parallel runs never collide. */
  private readonly prefix = `p2pb${process.pid}`;
  private readonly switchNs = `${this.prefix}-sw`;
  private readonly created: string[] = [];
  readonly hosts: Host[] = [];
  private readonly onSignal = () => {
    this.destroy();
    process.exit(130);
  };

  constructor() {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  private addNs(name: string): void {
    ip('netns', 'add', name);
    this.created.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }

  /** Creates `count` hosts on one bridge. */
  create(count: number): Host[] {
    if (count > 250) throw new Error('at most 250 hosts');
    this.addNs(this.switchNs);
    ip('-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.switchNs, 'link', 'set', 'br0', 'up');
    for (let i = 0; i < count; i++) {
      const netns = `${this.prefix}-h${i}`;
      const address = `10.48.0.${i + 1}`;
      this.addNs(netns);
      ip('-n', this.switchNs, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      ip('-n', this.switchNs, 'link', 'set', `p${i}`, 'master', 'br0', 'up');
      ip('-n', netns, 'addr', 'add', `${address}/16`, 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'up');
      // mDNS needs a multicast route; without one there is no discovery and no error.
      ip('-n', netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
      this.hosts.push({ netns, address });
    }
    return this.hosts;
  }

  /** Deletes every namespace this lab created (their veths and the bridge go with them). */
  destroy(): void {
    for (const name of this.created.splice(0).reverse()) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
    this.hosts.length = 0;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}
