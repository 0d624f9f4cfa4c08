// The client-alone baseline of scenario 3: an HTTP server on a Unix socket that reads each
// request's JSON body and answers at once with a body shaped like POST /v1/send's answer. What
// the bench's client reaches against it is the most the client could reach against any daemon.
// Usage: instant-api (announces the socket path when it listens).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveRequests } from '../lib/child.js';

const dir = mkdtempSync(join(tmpdir(), 'p2pchat-bench-api-'));
const socketPath = join(dir, 'api.sock');
const answer = JSON.stringify({ id: '0190a0d4-0000-7000-8000-000000000000', to: 'peer', state: 'queued', time: new Date(0).toISOString() });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
server.listen(socketPath, () => serveRequests(socketPath, () => Promise.resolve(null)));
