// The control API: HTTP/JSON over a Unix socket (mode 0600, in a 0700 directory). Every route is in
// ROUTES below; cross-cutting checks live in one hook; errors map to status codes in one place.
import { chmodSync } from 'node:fs';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import { z } from 'zod';
import { MAX_SOCKET_PATH_BYTES, socketPathFits } from '../config/paths.js';
import { throttledLog } from '../log-throttle.js';
import type { Logger } from '../logger.js';
import type { Message, OutgoingText, PeerInfo, SentMessage, StatusInfo } from '../types.js';
import { isStorageFull, STORAGE_FULL_MESSAGE } from '../store/storage-full.js';
import type { TrustApi } from '../trust/trust-api.js';
import type { RoomsApi } from '../rooms/rooms.js';
import { ApiError } from '../api-errors.js';
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from './message-ids.js';
import { parseBody } from './parse-body.js';
import { roomRoutes, trustRoutes } from './trust-room-routes.js';
import { type EventSource, EventStreams } from './event-stream.js';
import type { ControlObserver } from './observer.js';

/** A scrape of the daemon's metrics in the Prometheus text format, and its content type. */
export interface MetricsText {
  contentType: string;
  body: string;
}

/** What the daemon offers the control API. */
export interface DaemonApi extends EventSource {
  status(): StatusInfo;
  peers(): PeerInfo[];
  /** Connects by multiaddr, peer id (found through the DHT) or invitation. */
  connect(target: string): Promise<PeerInfo>;
  /** This daemon's invitation: its peer id and current direct and relay addresses, in one string. */
  invitation(): { invitation: string; peerId: string; addresses: string[] };
  resolvePeer(target: string): PeerInfo;
  send(peerId: string, text: string, id?: string): Promise<SentMessage>;
  sendMany(messages: OutgoingText[]): Promise<SentMessage[]>;
  /** Cancels / re-queues an outgoing message named by its id or a unique id prefix. */
  cancelMessage(target: string): Promise<Message>;
  retryMessage(target: string): Promise<Message>;
  /** Changes the display name for this run; connected p2pchat peers are told at once. */
  rename(name: string): StatusInfo;
  /** Stops the daemon cleanly, once the answer is written. */
  requestStop(): void;
  history(query: { peerId?: string | undefined; limit: number; before?: number | undefined; after?: number | undefined }): Message[];
  outbox(): Message[];
  /** The daemon's metrics in the Prometheus text format (`not_found` when metrics are off). */
  metrics(): Promise<MetricsText>;
  /** A one-time login link for the web app (`p2pchat web`); `unavailable` when the web app is off. */
  webLogin(): WebLogin;
  trust: TrustApi;
  rooms: RoomsApi;
}

/** A link that logs a browser into the web app once, within a few minutes. */
export interface WebLogin {
  url: string;
  expiresAt: string;
}

const peerTarget = { type: 'string', minLength: 1, maxLength: 200 } as const;

// Bodies are checked with zod rather than fastify's ajv, which coerces types (5 would pass as "5").
// `multiaddr` also takes a peer id or an invitation (which can be a few KiB).
const connectBody = z.strictObject({ multiaddr: z.string().min(1).max(8192) });
const messageId = z.string().regex(CLIENT_ID_PATTERN, CLIENT_ID_RULE);
const sendBody = z.strictObject({ to: z.string().min(1).max(200), text: z.string().min(1), id: messageId.optional() });
const nameBody = z.strictObject({ name: z.string().max(64) });
const messageBody = z.strictObject({ id: z.string().min(1).max(128) });
/** Most messages in one batch: enough to amortise a request and an fsync, small enough to answer promptly. */
export const MAX_BATCH_MESSAGES = 1000;
const sendBatchBody = z.strictObject({ messages: z.array(sendBody).min(1).max(MAX_BATCH_MESSAGES) });

const seq = { type: 'integer', minimum: 0 } as const;

const ROUTES = (api: DaemonApi, events: EventStreams): RouteOptions[] => [
  { method: 'GET', url: '/v1/status', handler: async () => api.status() },
  { method: 'GET', url: '/v1/peers', handler: async () => api.peers() },
  { method: 'GET', url: '/v1/invitation', handler: async () => api.invitation() },
  {
    method: 'GET',
    url: '/v1/peers/:target',
    schema: { params: { type: 'object', properties: { target: peerTarget }, required: ['target'] } },
    handler: async (req) => api.resolvePeer((req.params as { target: string }).target),
  },
  {
    method: 'POST',
    url: '/v1/connect',
    handler: async (req) => api.connect(parseBody(connectBody, req.body).multiaddr),
  },
  {
    method: 'POST',
    url: '/v1/send',
    handler: async (req, reply) => {
      const { to, text, id } = parseBody(sendBody, req.body);
      const peer = api.resolvePeer(to);
      const sent = await api.send(peer.peerId, text, id);
      // 200: this id was already stored (a repeated send), nothing new was queued.
      reply.code(sent.existing ? 200 : 202);
      return sent;
    },
  },
  {
    method: 'POST',
    url: '/v1/send/batch',
    handler: async (req, reply) => {
      const { messages } = parseBody(sendBatchBody, req.body);
      // Each distinct target is resolved once; any error rejects the whole batch before storing.
      const peers = new Map<string, string>();
      const resolved = messages.map(({ to, text, id }, i) => {
        let peerId = peers.get(to);
        if (peerId === undefined) {
          try {
            peerId = api.resolvePeer(to).peerId;
          } catch (err) {
            if (err instanceof ApiError) throw new ApiError(err.code, `messages.${i}.to: ${err.message}`, err.details);
            throw err;
          }
          peers.set(to, peerId);
        }
        return { peerId, text, id };
      });
      const sent = await api.sendMany(resolved);
      reply.code(sent.every((m) => m.existing) ? 200 : 202);
      return { messages: sent };
    },
  },
  {
    method: 'GET',
    url: '/v1/messages',
    schema: {
      querystring: {
        type: 'object',
        properties: { peer: peerTarget, limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 }, before: seq, after: seq },
        additionalProperties: false,
      },
    },
    handler: async (req) => {
      const q = req.query as { peer?: string; limit: number; before?: number; after?: number };
      const peerId = q.peer === undefined ? undefined : api.resolvePeer(q.peer).peerId;
      return api.history({ peerId, limit: q.limit, before: q.before, after: q.after });
    },
  },
  { method: 'GET', url: '/v1/outbox', handler: async () => api.outbox() },
  {
    // Where Prometheus looks by default; text, not JSON.
    method: 'GET',
    url: '/metrics',
    handler: async (_req, reply) => {
      const { contentType, body } = await api.metrics();
      return reply.type(contentType).send(body);
    },
  },
  { method: 'POST', url: '/v1/messages/cancel', handler: async (req) => api.cancelMessage(parseBody(messageBody, req.body).id) },
  { method: 'POST', url: '/v1/messages/retry', handler: async (req) => api.retryMessage(parseBody(messageBody, req.body).id) },
  { method: 'POST', url: '/v1/name', handler: async (req) => api.rename(parseBody(nameBody, req.body).name) },
  {
    method: 'POST',
    url: '/v1/stop',
    handler: async (_req, reply) => {
      api.requestStop();
      reply.code(202);
      return { stopping: true };
    },
  },
  {
    method: 'GET',
    url: '/v1/events',
    schema: {
      querystring: { type: 'object', properties: { since: seq }, additionalProperties: false },
    },
    handler: async (req, reply) => events.serve(req, reply),
  },
  { method: 'POST', url: '/v1/web/login-token', handler: async () => api.webLogin() },
];

/** Routes the web app does not offer to a browser: a session must not mint login links. */
const NOT_FOR_BROWSERS = new Set(['/v1/web/login-token']);

/**
 * The whole daemon API as one route table: the control socket serves it, and the web app serves it
 * under /api behind its session (`forBrowser`), so that every operation exists once.
 */
export function apiRoutes(api: DaemonApi, events: EventStreams, options: { forBrowser?: boolean } = {}): RouteOptions[] {
  const routes = [...ROUTES(api, events), ...trustRoutes(api.trust), ...roomRoutes(api.rooms)];
  return options.forBrowser === true ? routes.filter((r) => !NOT_FOR_BROWSERS.has(r.url)) : routes;
}

/** Maps errors to status codes and `{error, message}` bodies, in one place for the control socket and the web app. */
export function apiErrorHandler(
  log: Logger,
  bodyLimit: number,
  /** Told the code of every error answer (metrics count them). */
  rejected: (code: string) => void = () => {},
): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  // Every send fails the same way while the disk is full: one log line per interval says so.
  const logStorageFull = throttledLog(log);
  const answer = (reply: FastifyReply, status: number, body: { error: string; message: string } | ApiError) => {
    rejected(body instanceof ApiError ? body.code : body.error);
    return reply.code(status).send(body instanceof ApiError ? body.toJSON() : body);
  };
  return (err, _req, reply) => {
    if ((err as unknown) instanceof ApiError) {
      const apiErr = err as unknown as ApiError;
      return answer(reply, apiErr.status, apiErr);
    }
    if (isStorageFull(err)) {
      logStorageFull('error', 'storage-full', { err: (err as Error).message }, 'data disk full: a request could not be stored');
      const full = new ApiError('storage_full', STORAGE_FULL_MESSAGE);
      return answer(reply, full.status, full);
    }
    const e = err as { statusCode?: number; code?: string; validation?: unknown; message: string };
    if (e.validation) return answer(reply, 400, { error: 'bad_request', message: e.message });
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return answer(reply, 413, { error: 'payload_too_large', message: `request body larger than ${bodyLimit} bytes` });
    }
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      return answer(reply, e.statusCode, { error: 'bad_request', message: e.message });
    }
    log.error({ err }, 'control API handler failed');
    return answer(reply, 500, { error: 'internal', message: 'internal error; see the daemon log' });
  };
}

export class ControlServer {
  private readonly app: FastifyInstance;
  private readonly socketPath: string;
  private readonly events: EventStreams;

  constructor(
    components: { api: DaemonApi; log: Logger; observer?: ControlObserver | undefined },
    options: { socketPath: string; bodyLimit: number; maxEventClients: number },
  ) {
    this.socketPath = options.socketPath;
    this.app = Fastify({
      logger: false,
      bodyLimit: options.bodyLimit,
      // A client that connects and sends nothing is dropped, without holding the daemon up.
      requestTimeout: 10_000,
      return503OnClosing: true,
      forceCloseConnections: true,
    });
    this.app.server.headersTimeout = 5_000;
    // Browsers can reach local sockets through proxies; no legitimate client sends these headers.
    this.app.addHook('onRequest', async (req) => {
      if (req.headers.origin !== undefined || req.headers.referer !== undefined) {
        throw new ApiError('forbidden', 'requests from browsers are not accepted');
      }
    });
    const rejected = components.observer?.rejected?.bind(components.observer);
    this.app.setErrorHandler(apiErrorHandler(components.log, options.bodyLimit, rejected));
    this.app.setNotFoundHandler((req, reply) => {
      rejected?.('not_found');
      return reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
    });
    const events = (this.events = new EventStreams(components.api, {
      maxClients: options.maxEventClients,
      onClients: components.observer?.eventClients?.bind(components.observer),
    }));
    for (const route of apiRoutes(components.api, events)) this.app.route(route);
  }

  /** Listens on the socket. The caller has already removed a stale socket and holds the lock. */
  async start(): Promise<void> {
    if (!socketPathFits(this.socketPath)) {
      throw new Error(`socket path ${this.socketPath} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; set a shorter "socket" path`);
    }
    // The daemon has checked the socket's directory (src/daemon/private-dir.ts) before this.
    await this.app.listen({ path: this.socketPath });
    chmodSync(this.socketPath, 0o600);
  }

  async stop(): Promise<void> {
    await this.events.close();
    await this.app.close();
  }
}
