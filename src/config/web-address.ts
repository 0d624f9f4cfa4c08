// The web app's listen address, "host:port": a loopback address only, since the web app is for this
// machine's user (other machines reach this daemon over libp2p, never over HTTP).

export interface WebAddress {
  host: string;
  port: number;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/;

/** Parses "127.0.0.1:4748", "[::1]:4748" or "localhost:4748"; returns why not as a string. */
export function parseWebAddress(value: string): WebAddress | string {
  const match = /^(.*):(\d{1,5})$/.exec(value);
  if (!match) return 'expected host:port, such as 127.0.0.1:4748';
  const [, rawHost, rawPort] = match as unknown as [string, string, string];
  const port = Number(rawPort);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  if (!LOOPBACK.test(rawHost)) return `${rawHost} is not a loopback address: the web app listens on 127.0.0.1, [::1] or localhost only`;
  if (rawHost.startsWith('127.') && rawHost.split('.').some((part) => Number(part) > 255)) return `${rawHost} is not an IPv4 address`;
  return { host: rawHost === '[::1]' ? '::1' : rawHost, port };
}
