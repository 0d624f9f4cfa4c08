// Before libp2p listens: is each configured TCP port free? The default port (4747) that another
// daemon already holds falls back to a free port, so that several daemons run on one machine with
// nothing but `--home`; a port the user chose that is taken is a refusal naming the setting.
import { createServer } from 'node:net';
import { DEFAULT_PORT, parseListenAddress } from '../config/listen-address.js';
import { StartupRefusal } from './startup-error.js';

/** Why a port cannot be bound (an errno code such as EADDRINUSE), or undefined when it can. */
export type PortProbe = (host: string, port: number) => Promise<string | undefined>;

/** Binds and closes at once. The port can be taken again before libp2p listens; start-up then refuses. */
export const probePort: PortProbe = (host, port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });

export interface ListenPlan {
  listen: string[];
  /** Addresses whose default port was taken, each replaced by the same address with port 0. */
  fellBack: Array<{ from: string; to: string }>;
}

/** What to say about a port that cannot be bound: the setting, the address and what to do. */
export function portRefusal(address: string, code: string): string {
  if (code === 'EADDRINUSE') {
    return `listen: ${address} is already in use (another p2pchat daemon or program holds the port); choose another port with --listen or the "listen" setting, or 0 for a free one`;
  }
  if (code === 'EADDRNOTAVAIL') return `listen: ${address}: that address is not on this machine`;
  if (code === 'EACCES') return `listen: ${address}: not allowed to bind that port (ports below 1024 need privileges)`;
  return `listen: cannot listen on ${address} (${code})`;
}

/**
 * Decides what to listen on. Only ip4/ip6 addresses with a fixed port are probed (dns ones are
 * resolved by libp2p); `isDefault` says the list is the built-in default rather than the user's.
 */
export async function planListen(listen: string[], isDefault: boolean, probe: PortProbe = probePort): Promise<ListenPlan> {
  const plan: ListenPlan = { listen: [], fellBack: [] };
  for (const address of listen) {
    const parsed = parseListenAddress(address);
    if (typeof parsed === 'string' || parsed.port === 0 || !parsed.family.startsWith('ip')) {
      plan.listen.push(address);
      continue;
    }
    const problem = await probe(parsed.host, parsed.port);
    if (problem === undefined) {
      plan.listen.push(address);
    } else if (problem === 'EADDRINUSE' && isDefault && parsed.port === DEFAULT_PORT) {
      const to = `/${parsed.family}/${parsed.host}/tcp/0`;
      plan.listen.push(to);
      plan.fellBack.push({ from: address, to });
    } else {
      throw new StartupRefusal(portRefusal(address, problem));
    }
  }
  return plan;
}

/**
 * libp2p's error when it cannot listen names an internal setting (`transportManager.faultTolerance`);
 * this keeps the part that names the address and the cause, for the one-line refusal.
 */
export function listenFailure(err: unknown): StartupRefusal | undefined {
  const e = err as { name?: string; message?: string };
  if (e?.name !== 'UnsupportedListenAddressesError' && !/EADDRINUSE|EADDRNOTAVAIL|EACCES/.test(e?.message ?? '')) return undefined;
  const message = e.message ?? '';
  const cause = message.includes('NO_FATAL: ') ? message.slice(message.indexOf('NO_FATAL: ') + 'NO_FATAL: '.length) : message;
  return new StartupRefusal(`listen: cannot listen: ${cause.replace(/\s+at\s.*$/s, '')}`);
}
