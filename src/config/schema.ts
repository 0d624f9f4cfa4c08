import { z } from 'zod';
import { parseListenAddress } from './listen-address.js';
import { parseWebAddress } from './web-address.js';
import { relaySchema, wanSchema } from './wan-schema.js';

const listenAddress = z.string().superRefine((value, ctx) => {
  const parsed = parseListenAddress(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `${value}: ${parsed}` });
});

const webAddress = z.string().superRefine((value, ctx) => {
  const parsed = parseWebAddress(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `${value}: ${parsed}` });
});

const rateSchema = z.strictObject({
  messagesPerSecond: z.number().positive().describe('Sustained messages per second.'),
  bytesPerSecond: z.number().positive().describe('Sustained bytes of text per second.'),
  burstSeconds: z.number().positive().max(3600).describe('How many seconds of the rate may arrive at once (the bucket size).'),
});

/** The one schema for the daemon's configuration; `describe` texts feed docs/configuration.md. */
export const configSchema = z.strictObject({
  name: z.string().max(64).describe('Display name sent to peers in the hello frame. Empty means the host name.'),
  listen: z
    .array(listenAddress)
    .min(1)
    .describe(
      'TCP multiaddrs to listen on. Port 0 picks a free port. When the default (port 4747) is taken, the daemon falls back to a free port and logs it; a port set explicitly that is taken is an error.',
    ),
  peers: z
    .array(z.string().regex(/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, 'a multiaddr ending in /p2p/<peer id>'))
    .describe('Peers to dial at start-up and keep connected, for peers mDNS cannot reach.'),
  dataDir: z.string().describe('Directory for the identity key and database. Empty means $XDG_DATA_HOME/p2pchat (or the home directory).'),
  socket: z.string().describe('Control socket path. Empty means $XDG_RUNTIME_DIR/p2pchat/p2pchat.sock (or inside the home directory).'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('Log level.'),
  mdns: z.strictObject({
    enabled: z.boolean().describe('Discover peers on the LAN with mDNS (UDP 5353).'),
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .describe(
        'Longest interval between mDNS queries on a link, in milliseconds. Queries start 1 s apart when a link comes up and the interval doubles up to this (RFC 6762 section 5.2); new daemons announce themselves, so they are found at once anyway.',
      ),
    network: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes, at most 31 characters')
      .describe('Network name: only daemons with the same name discover each other.'),
  }),
  delivery: z.strictObject({
    expirySeconds: z.number().int().min(1).describe('An outgoing message not delivered within this time is marked expired.'),
    ackTimeoutMs: z.number().int().min(100).describe('Resend unacknowledged messages on a new stream after this long without an ack.'),
    redialMinMs: z.number().int().min(10).describe('First delay before redialing a peer with queued messages.'),
    redialMaxMs: z.number().int().min(10).describe('Longest delay between redials (exponential backoff).'),
  }),
  history: z.strictObject({
    maxAgeDays: z
      .number()
      .min(0)
      .describe(
        'Delete messages stored more than this many days ago (fractions allowed). 0 keeps them forever. Outgoing messages still in the outbox, and message requests, are kept.',
      ),
    maxMessagesPerPeer: z
      .number()
      .int()
      .min(0)
      .describe(
        'Keep only this many of the newest messages of each conversation, both directions. 0 keeps them all. Outgoing messages still in the outbox, and message requests, are kept.',
      ),
    roomMaxAgeDays: z
      .number()
      .min(0)
      .describe(
        "Delete room messages stored more than this many days ago (fractions allowed). 0 keeps them forever. Each author's newest message and latest join or leave in a room are kept. Separate from maxAgeDays: pruning a room also takes its messages away from members that could still fetch them from this daemon.",
      ),
    maxMessagesPerRoom: z
      .number()
      .int()
      .min(0)
      .describe(
        "Keep only this many of the newest messages of each room, in the room's order. 0 keeps them all. Each author's newest message and latest join or leave are kept beyond it.",
      ),
    maxEvents: z.number().int().min(1000).describe('Events kept for `watch --since` catch-up; older ones are pruned.'),
    pruneIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .describe('How often history retention (direct and room messages) and event pruning run (they also run at start-up).'),
  }),
  storage: z.strictObject({
    maxBytes: z
      .number()
      .int()
      .min(0)
      .refine((n) => n === 0 || n >= 1_048_576, 'at least 1048576 (1 MiB), or 0 for auto')
      .describe(
        'Storage budget of the database in bytes: at the budget, incoming messages are refused (history and sending keep working). 0 (auto): a tenth of the database size plus the free space on its filesystem at start, at most 2 GiB and at least 64 MiB.',
      ),
    minFreeBytes: z
      .number()
      .int()
      .min(0)
      .describe('Incoming messages are also refused when the data dir filesystem has less free space than this, whatever the budget.'),
  }),
  metrics: z.strictObject({
    enabled: z
      .boolean()
      .describe('Serve Prometheus metrics at GET /metrics on the control socket (see docs/operations.md). Off: /metrics answers 404.'),
    libp2p: z
      .boolean()
      .describe(
        'Add libp2p’s own metrics (connections, streams, bytes per protocol, dials) to /metrics. Costs memory and a little CPU on every stream; see docs/operations.md.',
      ),
  }),
  trust: z.strictObject({
    inbound: z
      .enum(['open', 'requests', 'contacts'])
      .describe(
        'Who may message you: open (everyone counts as a contact; for labs), requests (strangers’ messages are held as message requests within a quota), contacts (strangers’ messages are refused).',
      ),
    strangerQuota: z.strictObject({
      messages: z.number().int().min(0).describe('Most message requests held from one stranger until you accept or block it.'),
      bytes: z.number().int().min(0).describe('Most bytes of message requests held from one stranger.'),
    }),
    requestsMaxBytes: z
      .number()
      .int()
      .min(0)
      .describe('Most bytes of message requests held from all strangers together (many identities cost no more than this).'),
  }),
  rooms: z.strictObject({
    maxTextBytes: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .describe('Longest text of a room message in bytes (UTF-8). Longer texts are refused when sent and when received.'),
    syncIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .describe(
        'How often each room is synced with every connected peer, to fetch what gossip missed. Rooms also sync when a peer connects.',
      ),
    syncPageMessages: z
      .number()
      .int()
      .min(1)
      .max(5000)
      .describe('Most messages asked for (and served) in one page of room sync: what a catch-up holds in memory at a time.'),
    authorRate: rateSchema.describe(
      'Live (gossip) room messages per author and room. Past it they are not stored from gossip but fetched later by sync, at the pace this daemon pulls.',
    ),
    roomRate: rateSchema.describe('Live (gossip) room messages per room, all authors together; past it as for authorRate.'),
  }),
  wan: wanSchema,
  relay: relaySchema,
  web: z.strictObject({
    enabled: z
      .boolean()
      .describe('Serve the web app (open it with `p2pchat web`). When its address is taken, the daemon logs one line and runs without it.'),
    listen: webAddress.describe(
      'Loopback address of the web app, host:port: 127.0.0.1, [::1] or localhost. Port 0 picks a free port (`p2pchat web` prints the link).',
    ),
    sessionDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .describe('How long a browser stays logged in to the web app; sessions survive daemon restarts.'),
    loginTokenSeconds: z.number().int().min(10).max(3600).describe('How long a login link from `p2pchat web` can be used (once).'),
  }),
  limits: z.strictObject({
    rate: z.strictObject({
      contact: rateSchema.describe(
        'Inbound rate per contact. Past it the contact is slowed down (its stream is read later), never refused.',
      ),
      stranger: rateSchema.describe('Inbound rate per stranger. Past it messages are refused before they are stored.'),
    }),
    maxFrameBytes: z.number().int().min(1024).max(1_048_576).describe('Largest /chat/1.0.0 frame accepted or sent.'),
    maxConnections: z.number().int().min(1).describe('Most open libp2p connections.'),
    contactReservedConnections: z
      .number()
      .int()
      .min(0)
      .describe(
        'Connection slots strangers can never take, so that contacts can always connect: strangers together hold at most maxConnections minus this.',
      ),
    connectionsPerAddress: z.number().int().min(1).describe('Most connections strangers may hold from one remote IP address.'),
    connectionsPerSubnet: z
      .number()
      .int()
      .min(1)
      .describe('Most connections strangers may hold from one /24 (IPv4) or /64 (IPv6) network.'),
    strangerRetentionSeconds: z
      .number()
      .int()
      .min(1)
      .describe(
        'A stranger that left no messages (no history, no message request, nothing queued) is dropped from the peers table once it has not been seen for this long.',
      ),
    strangersKept: z
      .number()
      .int()
      .min(0)
      .describe('Most strangers that left no messages the peers table keeps; the least recently seen are dropped first.'),
    maxInboundStreamsPerPeer: z.number().int().min(1).max(1024).describe('Most concurrent inbound /chat/1.0.0 streams per connection.'),
    controlBodyBytes: z.number().int().min(1024).describe('Largest request body the control API accepts.'),
    partialFrameTimeoutMs: z
      .number()
      .int()
      .min(100)
      .describe('A /chat/1.0.0 stream that holds the start of a frame and completes no frame for this long is reset.'),
    partialFramesMaxBytes: z
      .number()
      .int()
      .min(1_048_576)
      .describe(
        'Most bytes of unfinished frames held across all streams; a stream whose partial frame would go past it is reset. At least 1 MiB.',
      ),
    maxEventClients: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe('Most concurrent event-stream clients (watch, chat, send --wait); more are answered 503 unavailable.'),
  }),
});

export type Config = z.infer<typeof configSchema>;

/** Config plus the paths and name resolved from it: what the daemon actually runs with. */
export interface ResolvedConfig extends Config {
  home?: string | undefined;
  /** True when `listen` is the built-in default (no file, env var or flag set it): only then may its port fall back. */
  listenIsDefault: boolean;
  configFile: string;
}
