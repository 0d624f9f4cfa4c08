// Starts the web app for the daemon, as configured: off when `web.enabled` is false. When its
// address is taken (another daemon on this machine, usually), one log line says so: at the default
// port the web app takes a free port instead (`p2pchat web` prints the link with it), at a port the
// user chose the daemon runs on without it.
import type { ControlObserver } from '../control/observer.js';
import type { ResolvedConfig } from '../config/schema.js';
import { parseWebAddress, type WebAddress } from '../config/web-address.js';
import type { DaemonApi } from '../control/server.js';
import type { Logger } from '../logger.js';
import { WebServer } from './server.js';
import { loadOrCreateSessionKey } from './session-key.js';

const DAY_MS = 86_400_000;
/** The default web.listen port: when it is taken, a free port will do. */
export const DEFAULT_WEB_PORT = 4748;

/** The running web app, or why there is none (for the answer to `p2pchat web`). */
export type WebApp = { server: WebServer } | { off: string };

export async function startWebApp(
  components: { api: DaemonApi; log: Logger; observer?: ControlObserver | undefined },
  config: ResolvedConfig,
): Promise<WebApp> {
  const { log } = components;
  if (!config.web.enabled) return { off: 'the web app is off (web.enabled is false in the config, or P2PCHAT_WEB=0)' };
  const address = parseWebAddress(config.web.listen) as WebAddress;
  const key = loadOrCreateSessionKey(config.dataDir);
  const listen = async (port: number): Promise<WebServer> => {
    const server = new WebServer(
      { api: components.api, log, key, observer: components.observer },
      {
        host: address.host,
        port,
        sessionMs: config.web.sessionDays * DAY_MS,
        loginTokenMs: config.web.loginTokenSeconds * 1000,
        bodyLimit: config.limits.controlBodyBytes,
        maxEventClients: config.limits.maxEventClients,
      },
    );
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.stop().catch(() => {});
      throw err;
    }
  };
  try {
    const server = await listen(address.port);
    log.info({ url: server.origin }, 'web app listening (open it with: p2pchat web)');
    return { server };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && address.port === DEFAULT_WEB_PORT) {
      const server = await listen(0);
      log.warn(
        { url: server.origin },
        `the web app's default port ${DEFAULT_WEB_PORT} is taken (another daemon?): listening on a free port instead`,
      );
      return { server };
    }
    const why = code === 'EADDRINUSE' ? 'is taken (another daemon?)' : `cannot be used (${code ?? (err as Error).message})`;
    log.warn({ listen: config.web.listen }, `the web app's address ${why}: running without the web app; set web.listen to another port`);
    return { off: `the web app's address ${config.web.listen} ${why}; set web.listen to another port and restart the daemon` };
  }
}
