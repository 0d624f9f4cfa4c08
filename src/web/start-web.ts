// Starts the web app for the daemon, as configured: off when `web.enabled` is false, and when its
// address is taken (another daemon on this machine, usually), one log line says so and the daemon
// runs on without it.
import type { ResolvedConfig } from '../config/schema.js';
import { parseWebAddress, type WebAddress } from '../config/web-address.js';
import type { DaemonApi } from '../control/server.js';
import type { Logger } from '../logger.js';
import { WebServer } from './server.js';
import { loadOrCreateSessionKey } from './session-key.js';

const DAY_MS = 86_400_000;

/** The running web app, or why there is none (for the answer to `p2pchat web`). */
export type WebApp = { server: WebServer } | { off: string };

export async function startWebApp(components: { api: DaemonApi; log: Logger }, config: ResolvedConfig): Promise<WebApp> {
  const { log } = components;
  if (!config.web.enabled) return { off: 'the web app is off (web.enabled is false in the config, or P2PCHAT_WEB=0)' };
  const address = parseWebAddress(config.web.listen) as WebAddress;
  const server = new WebServer(
    { api: components.api, log, key: loadOrCreateSessionKey(config.dataDir) },
    {
      ...address,
      sessionMs: config.web.sessionDays * DAY_MS,
      loginTokenMs: config.web.loginTokenSeconds * 1000,
      bodyLimit: config.limits.controlBodyBytes,
      maxEventClients: config.limits.maxEventClients,
    },
  );
  try {
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is taken (another daemon?)' : `cannot be used (${code ?? (err as Error).message})`;
    log.warn({ listen: config.web.listen }, `the web app's address ${why}: running without the web app; set web.listen to another port`);
    return { off: `the web app's address ${config.web.listen} ${why}; set web.listen to another port and restart the daemon` };
  }
  log.info({ url: server.origin }, 'web app listening (open it with: p2pchat web)');
  return { server };
}
