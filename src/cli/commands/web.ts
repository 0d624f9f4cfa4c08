// web (alias open): a one-time login link to the daemon's web app, printed, and opened in the
// desktop's browser when there is a desktop.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { WebLogin } from '../../control/server.js';
import { context } from '../context.js';

/** The program that opens a URL in the desktop's browser, or undefined with no desktop (ssh, a server, CI). */
export function browserOpener(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | undefined {
  if (platform === 'darwin') return 'open';
  if (platform === 'linux' && (env.DISPLAY || env.WAYLAND_DISPLAY)) return 'xdg-open';
  return undefined;
}

function openInBrowser(opener: string, url: string): void {
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {
    // the link is printed anyway
  }
}

export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .alias('open')
    .description('print a one-time login link to the web app, and open it in the browser on a desktop')
    .option('--no-open', 'print the link only, even on a desktop')
    .addHelpText(
      'after',
      '\nThe link works once, for a few minutes (web.loginTokenSeconds); the browser then stays logged in (web.sessionDays).\n\nExample:\n  p2pchat web',
    )
    .action(async (opts: { open: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const login = await ctx.client.request<WebLogin>('POST', '/v1/web/login-token', {});
      const opener = opts.open ? browserOpener(process.platform, process.env) : undefined;
      if (opener !== undefined) openInBrowser(opener, login.url);
      if (ctx.json) return ctx.printJson({ ...login, opened: opener !== undefined });
      ctx.print(login.url);
      if (process.stdout.isTTY) {
        const opened = opener !== undefined ? 'Opening it in your browser. ' : '';
        process.stderr.write(`${opened}The link logs one browser in, once, until ${login.expiresAt}; keep it to yourself.\n`);
      }
    });
}
