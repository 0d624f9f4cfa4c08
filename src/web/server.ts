// The web app's HTTP server, on a loopback TCP address. One onRequest hook does what every request
// needs, in this order: the Host check, security headers, the session (except for /login), and the
// Origin and CSRF checks on requests that change something. Behind it: the daemon API's own route
// table under /api (the same routes the control socket serves, so no operation exists twice), the
// event stream as server-sent events, and the app's static files.
import type { ControlObserver } from '../control/observer.js';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from '../api-errors.js';
import { EventStreams } from '../control/event-stream.js';
import { apiErrorHandler, apiRoutes, type DaemonApi, type WebLogin } from '../control/server.js';
import type { Logger } from '../logger.js';
import { allowedHosts, hostRefusal, isSafeMethod, originRefusal, SECURITY_HEADERS } from './request-checks.js';
import { SSE_FORMAT } from './sse.js';
import { cookieValue, type Session, sessionCookieName, WebAuth } from './web-auth.js';

/** Where the build puts the app (scripts/bundle-web.mjs): dist/web, two directories above this module and the daemon's bundle. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export interface WebServerOptions {
  /** Loopback host: 127.0.0.1, ::1 or localhost. */
  host: string;
  port: number;
  sessionMs: number;
  loginTokenMs: number;
  bodyLimit: number;
  maxEventClients: number;
  assetsDir?: string;
}

const NOT_LOGGED_IN = 'Not logged in. Run `p2pchat web` on this machine and open the link it prints.';

export class WebServer {
  private readonly app: FastifyInstance;
  private readonly auth: WebAuth;
  private readonly events: EventStreams;
  private readonly options: WebServerOptions;
  private readonly sessions = new WeakMap<FastifyRequest, Session>();
  private readonly cookieName: string;
  private hosts = new Set<string>();
  private port = 0;

  constructor(
    components: { api: DaemonApi; log: Logger; key: Buffer; now?: () => number; observer?: ControlObserver | undefined },
    options: WebServerOptions,
  ) {
    this.options = options;
    this.auth = new WebAuth({ key: components.key, now: components.now }, options);
    this.cookieName = sessionCookieName(components.key);
    this.app = Fastify({ logger: false, bodyLimit: options.bodyLimit, requestTimeout: 10_000, forceCloseConnections: true });
    this.app.server.headersTimeout = 5_000;
    this.app.addHook('onRequest', async (req, reply) => this.check(req, reply));
    this.app.setErrorHandler(apiErrorHandler(components.log, options.bodyLimit, components.observer?.rejected?.bind(components.observer)));
    this.app.setNotFoundHandler((req, reply) =>
      reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
    );

    this.app.get('/login', async (req, reply) => this.exchangeToken(req, reply));
    this.app.get('/api/session', async (req) => {
      const session = this.sessions.get(req) as Session;
      return { csrfToken: this.auth.csrfToken(session), expiresAt: new Date(session.expiresAt).toISOString() };
    });
    this.app.post('/api/logout', async (req, reply) => {
      this.auth.revoke(this.sessions.get(req) as Session);
      void reply.header('set-cookie', `${this.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return { loggedOut: true };
    });
    this.events = new EventStreams(components.api, {
      maxClients: options.maxEventClients,
      format: SSE_FORMAT,
      onClients: components.observer?.eventClients?.bind(components.observer),
    });
    const routes = apiRoutes(components.api, this.events, { forBrowser: true });
    void this.app.register(
      async (api) => {
        for (const route of routes) api.route(route);
      },
      { prefix: '/api' },
    );
    const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
    if (existsSync(assetsDir)) {
      void this.app.register(fastifyStatic, {
        root: assetsDir,
        prefix: '/',
        index: 'index.html',
        cacheControl: false,
        dotfiles: 'deny',
        setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
      });
    } else {
      components.log.warn({ assetsDir }, 'the web app was not built (npm run build): its pages are missing, its API works');
    }
  }

  /** The checks every request passes first; see the top of this file. */
  private async check(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const refusedHost = hostRefusal(req.headers.host, this.hosts);
    if (refusedHost !== undefined) throw new ApiError('forbidden', refusedHost);
    void reply.headers(SECURITY_HEADERS);
    const path = req.url.split('?')[0] as string;
    if (path === '/login') return;
    const session = this.auth.verifySession(cookieValue(req.headers.cookie, this.cookieName));
    if (session === undefined) {
      if (path.startsWith('/api/')) throw new ApiError('unauthorized', NOT_LOGGED_IN);
      return reply.code(401).type('text/plain; charset=utf-8').send(NOT_LOGGED_IN);
    }
    this.sessions.set(req, session);
    if (isSafeMethod(req.method)) return;
    const refusedOrigin = originRefusal(
      { origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] as string | undefined },
      req.headers.host as string,
    );
    if (refusedOrigin !== undefined) throw new ApiError('forbidden', refusedOrigin);
    if (!this.auth.csrfMatches(session, req.headers['x-csrf-token'] as string | undefined)) {
      throw new ApiError('forbidden', 'missing or wrong CSRF token: reload the page');
    }
  }

  /** GET /login?token=...: a valid one-time token becomes a session cookie, and the browser goes to the app. */
  private exchangeToken(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { token } = req.query as { token?: unknown };
    if (typeof token !== 'string' || !this.auth.redeemLoginToken(token)) {
      return reply
        .code(401)
        .type('text/plain; charset=utf-8')
        .send('This login link is not valid: it was used already or has expired. Run `p2pchat web` for a new one.');
    }
    const { session, cookie } = this.auth.createSession();
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    void reply.header('set-cookie', `${this.cookieName}=${cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`);
    return reply.code(302).header('location', '/').send();
  }

  /** The address for links: what the user configured, with the port actually bound. */
  get origin(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}`;
  }

  /** A one-time login link (`POST /v1/web/login-token`, for `p2pchat web`). */
  login(): WebLogin {
    const { token, expiresAt } = this.auth.issueLoginToken();
    return { url: `${this.origin}/login?token=${token}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  async start(): Promise<void> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    this.port = (this.app.server.address() as AddressInfo).port;
    this.hosts = allowedHosts(this.port);
  }

  async stop(): Promise<void> {
    await this.events.close();
    await this.app.close();
  }
}
