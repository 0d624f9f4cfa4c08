// The control API's routes for contacts, blocks and message requests (src/trust/) and for rooms
// (src/rooms/): each route is one operation of that part's API. The daemon's own routes are in
// server.ts; apiRoutes() there serves all of them on the control socket and in the web app.
import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../api-errors.js';
import { parseRoomPosition } from '../rooms/room-order.js';
import type { RoomsApi } from '../rooms/rooms.js';
import type { TrustApi } from '../trust/trust-api.js';
import { parseBody } from './parse-body.js';

const peerBody = z.strictObject({ peer: z.string().min(1).max(200) });
const contactBody = z.strictObject({ peer: z.string().min(1).max(200), as: z.string().max(200).optional() });
const renameBody = z.strictObject({ peer: z.string().min(1).max(200), as: z.string().max(200) });
const forgetBody = z.strictObject({ peer: z.string().min(1).max(200), history: z.boolean().optional() });

/** Contacts, blocks and message requests: each route one operation of the trust API. */
export const trustRoutes = (trust: TrustApi): RouteOptions[] => [
  { method: 'GET', url: '/v1/contacts', handler: async () => trust.contacts() },
  {
    method: 'POST',
    url: '/v1/contacts',
    handler: async (req) => {
      const body = parseBody(contactBody, req.body);
      return trust.addContact(body.peer, body.as);
    },
  },
  {
    method: 'POST',
    url: '/v1/contacts/rename',
    handler: async (req) => {
      const body = parseBody(renameBody, req.body);
      return trust.renameContact(body.peer, body.as);
    },
  },
  { method: 'POST', url: '/v1/contacts/remove', handler: async (req) => trust.removeContact(parseBody(peerBody, req.body).peer) },
  { method: 'POST', url: '/v1/block', handler: async (req) => trust.block(parseBody(peerBody, req.body).peer) },
  { method: 'POST', url: '/v1/unblock', handler: async (req) => trust.unblock(parseBody(peerBody, req.body).peer) },
  { method: 'GET', url: '/v1/requests', handler: async () => trust.requests() },
  { method: 'POST', url: '/v1/requests/accept', handler: async (req) => trust.acceptRequests(parseBody(peerBody, req.body).peer) },
  {
    method: 'POST',
    url: '/v1/forget',
    handler: async (req) => {
      const body = parseBody(forgetBody, req.body);
      return trust.forget(body.peer, body.history ?? false);
    },
  },
];

const roomTarget = z.string().min(1).max(2000);
const roomParams = {
  params: { type: 'object', properties: { room: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['room'] },
};
const roomOf = (req: { params: unknown }) => (req.params as { room: string }).room;

/** Rooms (src/rooms/): each route one operation of the rooms API. */
export const roomRoutes = (rooms: RoomsApi): RouteOptions[] => [
  { method: 'GET', url: '/v1/rooms', handler: async () => rooms.list() },
  {
    method: 'POST',
    url: '/v1/rooms',
    handler: async (req, reply) => {
      const body = parseBody(z.strictObject({ name: z.string().min(1).max(200), private: z.boolean().optional() }), req.body);
      reply.code(201);
      return rooms.create(body.name, body.private ?? false);
    },
  },
  {
    method: 'POST',
    url: '/v1/rooms/join',
    handler: async (req) => rooms.join(parseBody(z.strictObject({ room: roomTarget }), req.body).room),
  },
  {
    method: 'POST',
    url: '/v1/rooms/leave',
    handler: async (req) => rooms.leave(parseBody(z.strictObject({ room: roomTarget }), req.body).room),
  },
  {
    method: 'POST',
    url: '/v1/rooms/read',
    handler: async (req) => rooms.markRead(parseBody(z.strictObject({ room: roomTarget }), req.body).room),
  },
  {
    method: 'POST',
    url: '/v1/rooms/send',
    handler: async (req, reply) => {
      const body = parseBody(z.strictObject({ room: roomTarget, text: z.string().min(1) }), req.body);
      const sent = await rooms.send(body.room, body.text);
      reply.code(202);
      return sent;
    },
  },
  { method: 'GET', url: '/v1/rooms/:room/members', schema: roomParams, handler: async (req) => rooms.members(roomOf(req)) },
  { method: 'GET', url: '/v1/rooms/:room/invitation', schema: roomParams, handler: async (req) => rooms.invite(roomOf(req)) },
  {
    method: 'GET',
    url: '/v1/rooms/:room/messages',
    schema: {
      ...roomParams,
      querystring: {
        type: 'object',
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
          // `<lamport>:<author>` of the oldest message a client shows: the page before it.
          before: { type: 'string', maxLength: 150 },
        },
        additionalProperties: false,
      },
    },
    handler: async (req) => {
      const query = req.query as { limit: number; before?: string };
      const before = query.before === undefined ? undefined : parseRoomPosition(query.before);
      if (query.before !== undefined && before === undefined) {
        throw new ApiError('bad_request', 'before: expected <lamport>:<author> of a room message, e.g. 1764567890123:12D3KooW...');
      }
      return rooms.history(roomOf(req), query.limit, before);
    },
  },
  { method: 'GET', url: '/v1/room-stats', handler: async () => rooms.stats() },
];
