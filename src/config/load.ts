import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { defaultPaths } from './paths.js';
import { type Config, configSchema, type ResolvedConfig } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Overrides given on the command line; undefined means "not given". */
export interface ConfigFlags {
  home?: string | undefined;
  config?: string | undefined;
  listen?: string[] | undefined;
  name?: string | undefined;
  mdns?: boolean | undefined;
  socket?: string | undefined;
  logLevel?: string | undefined;
  inbound?: string | undefined;
  /** `--wan`: reach peers beyond the LAN. */
  wan?: boolean | undefined;
  /** `--relay-server`: relay other daemons' connections. */
  relayServer?: boolean | undefined;
  /** `--relay <multiaddr>` (repeatable): relays to keep a reservation on. */
  relays?: string[] | undefined;
  /** `--bootstrap <multiaddr>` (repeatable): DHT bootstrap peers. */
  bootstrap?: string[] | undefined;
}

type Json = Record<string, unknown>;

const DEFAULTS_URL = new URL('../../../config/default.json', import.meta.url);
const DEFAULTS_URL_SRC = new URL('../../config/default.json', import.meta.url);

function readDefaults(): Json {
  for (const url of [DEFAULTS_URL, DEFAULTS_URL_SRC]) {
    try {
      return JSON.parse(readFileSync(url, 'utf8')) as Json;
    } catch {
      // compiled (dist/src/config) and source (src/config) layouts differ by one level
    }
  }
  throw new ConfigError('config/default.json is missing from the installation');
}

function readUserFile(path: string, required: boolean): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return {};
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must contain a JSON object`);
  }
  return parsed as Json;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace those in `base`. */
export function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? merge(prev, value) : value;
  }
  return out;
}

function parseBool(key: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${key}: expected true or false, got "${value}"`);
}

function parseIntEnv(key: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${key}: expected a whole number, got "${value}"`);
  return Number(value);
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `P2PCHAT_*` environment variables and the config keys they set. */
export const ENV_VARS: Record<string, { path: string[]; parse: (key: string, v: string) => unknown }> = {
  P2PCHAT_NAME: { path: ['name'], parse: (_k, v) => v },
  P2PCHAT_LISTEN: { path: ['listen'], parse: (_k, v) => splitList(v) },
  P2PCHAT_PEERS: { path: ['peers'], parse: (_k, v) => splitList(v) },
  P2PCHAT_DATA_DIR: { path: ['dataDir'], parse: (_k, v) => v },
  P2PCHAT_SOCKET: { path: ['socket'], parse: (_k, v) => v },
  P2PCHAT_LOG_LEVEL: { path: ['logLevel'], parse: (_k, v) => v },
  P2PCHAT_MDNS: { path: ['mdns', 'enabled'], parse: parseBool },
  P2PCHAT_MDNS_INTERVAL_MS: { path: ['mdns', 'intervalMs'], parse: parseIntEnv },
  P2PCHAT_NETWORK: { path: ['mdns', 'network'], parse: (_k, v) => v },
  P2PCHAT_STORAGE_MAX_BYTES: { path: ['storage', 'maxBytes'], parse: parseIntEnv },
  P2PCHAT_HISTORY_MAX_AGE_DAYS: { path: ['history', 'maxAgeDays'], parse: parseIntEnv },
  P2PCHAT_TRUST_INBOUND: { path: ['trust', 'inbound'], parse: (_k, v) => v },
  P2PCHAT_ROOMS_SYNC_INTERVAL_SECONDS: { path: ['rooms', 'syncIntervalSeconds'], parse: parseIntEnv },
  P2PCHAT_WAN: { path: ['wan', 'enabled'], parse: parseBool },
  P2PCHAT_RELAYS: { path: ['wan', 'relays'], parse: (_k, v) => splitList(v) },
  P2PCHAT_BOOTSTRAP: { path: ['wan', 'bootstrap'], parse: (_k, v) => splitList(v) },
  P2PCHAT_ANNOUNCE: { path: ['wan', 'announce'], parse: (_k, v) => splitList(v) },
  P2PCHAT_RELAY_SERVER: { path: ['relay', 'server'], parse: parseBool },
  P2PCHAT_METRICS: { path: ['metrics', 'enabled'], parse: parseBool },
  P2PCHAT_METRICS_LIBP2P: { path: ['metrics', 'libp2p'], parse: parseBool },
  P2PCHAT_WEB: { path: ['web', 'enabled'], parse: parseBool },
  P2PCHAT_WEB_LISTEN: { path: ['web', 'listen'], parse: (_k, v) => v },
};

function setPath(target: Json, path: string[], value: unknown): Json {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...target, [head]: value };
  const child = isPlainObject(target[head]) ? (target[head] as Json) : {};
  return { ...target, [head]: setPath(child, rest, value) };
}

function envOverrides(env: NodeJS.ProcessEnv): Json {
  let out: Json = {};
  for (const [key, { path, parse }] of Object.entries(ENV_VARS)) {
    const value = env[key];
    if (value !== undefined && value !== '') out = setPath(out, path, parse(key, value));
  }
  return out;
}

function flagOverrides(flags: ConfigFlags): Json {
  let out: Json = {};
  if (flags.name !== undefined) out = setPath(out, ['name'], flags.name);
  if (flags.listen !== undefined && flags.listen.length > 0) out = setPath(out, ['listen'], flags.listen);
  if (flags.mdns !== undefined) out = setPath(out, ['mdns', 'enabled'], flags.mdns);
  if (flags.socket !== undefined) out = setPath(out, ['socket'], flags.socket);
  if (flags.logLevel !== undefined) out = setPath(out, ['logLevel'], flags.logLevel);
  if (flags.inbound !== undefined) out = setPath(out, ['trust', 'inbound'], flags.inbound);
  if (flags.wan !== undefined) out = setPath(out, ['wan', 'enabled'], flags.wan);
  if (flags.relayServer !== undefined) out = setPath(out, ['relay', 'server'], flags.relayServer);
  if (flags.relays !== undefined && flags.relays.length > 0) out = setPath(out, ['wan', 'relays'], flags.relays);
  if (flags.bootstrap !== undefined && flags.bootstrap.length > 0) out = setPath(out, ['wan', 'bootstrap'], flags.bootstrap);
  return out;
}

/** Turns zod issues into one line per bad key, naming the key and what was expected. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') return `${key}: unknown key(s) ${issue.keys.join(', ')}`;
      return `${key}: ${issue.message}`;
    })
    .join('; ');
}

export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid configuration (${source}): ${describeIssues(result.error)}`);
  return result.data;
}

/**
 * Builds the daemon's configuration: built-in defaults, then the user's config file, then
 * P2PCHAT_* environment variables, then command-line flags; validated once at the end.
 */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const home = flags.home ?? (env.P2PCHAT_HOME || undefined);
  const paths = defaultPaths({ home, env });
  const explicitFile = flags.config ?? (env.P2PCHAT_CONFIG || undefined);
  const configFile = explicitFile ?? paths.configFile;

  const defaults = readDefaults();
  const fromFile = readUserFile(configFile, explicitFile !== undefined);
  // Validate the file alone first, so that a bad key is blamed on the file rather than on a flag.
  validateConfig(merge(defaults, fromFile), `config file ${configFile}`);
  const merged = merge(merge(merge(defaults, fromFile), envOverrides(env)), flagOverrides(flags));
  const config = validateConfig(merged, 'after applying environment and flags');

  return {
    ...config,
    name: config.name || hostname(),
    dataDir: config.dataDir || paths.dataDir,
    socket: config.socket || paths.socketPath,
    home: paths.home,
    configFile,
    listenIsDefault: fromFile.listen === undefined && !env.P2PCHAT_LISTEN && (flags.listen === undefined || flags.listen.length === 0),
  };
}
