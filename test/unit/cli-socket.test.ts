// The CLI's fast client must answer exactly as ControlClient does: both ask the same server here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliControlClient, parseResponse } from '../../src/cli/socket.js';
import { ApiResponseError, ControlClient, DaemonNotRunningError } from '../../src/control/client.js';

describe('parseResponse', () => {
  const response = (text: string, ended = false) => parseResponse(Buffer.from(text), ended);

  it('waits for the whole head and, with a length, the whole body', () => {
    assert.equal(response('HTTP/1.1 200 OK\r\nContent-Len'), undefined);
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n';
    assert.deepEqual(response(`${head}{"a`), { status: 200, body: undefined, total: head.length + 4 });
    const full = response('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n"ab"');
    assert.equal(full?.body?.toString(), '"ab"');
  });

  it('decodes a chunked body once the last chunk is there', () => {
    const head = 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n';
    assert.deepEqual(response(`${head}3\r\n{"a\r\n`), { status: 404, body: undefined });
    assert.equal(response(`${head}3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n`)?.body?.toString(), '{"a":1}');
  });

  it('ends a body without length or chunks when the server closes', () => {
    assert.deepEqual(response('HTTP/1.0 200 OK\r\n\r\n[1'), { status: 200, body: undefined });
    assert.equal(response('HTTP/1.0 200 OK\r\n\r\n[1]', true)?.body?.toString(), '[1]');
  });

  it('rejects what is not HTTP', () => {
    assert.throws(() => response('SSH-2.0-OpenSSH\r\n'), /Parse Error: Expected HTTP\//);
    assert.throws(() => response('hello\r\n\r\n'), /Parse Error: Expected HTTP\//);
  });
});

describe('CliControlClient', () => {
  let dir: string;
  let socketPath: string;
  let server: Server;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-cli-socket-'));
    socketPath = join(dir, 'api.sock');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.url === '/v1/status') return json(200, { peerId: '12D3KooWtest', text: 'é…✓' });
        if (req.url === '/v1/echo') return json(200, { method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
        if (req.url === '/v1/big') return json(200, { list: Array.from({ length: 20_000 }, (_, i) => `item ${i}`) });
        if (req.url === '/v1/chunked') {
          res.writeHead(409, { 'content-type': 'application/json' });
          res.write('{"error":"ambiguous_peer",');
          return setTimeout(() => res.end('"message":"two match","candidates":[]}'), 20);
        }
        if (req.url === '/v1/text') return res.writeHead(500).end('oops');
        if (req.url === '/v1/empty') return res.writeHead(502).end();
        json(404, { error: 'not_found', message: `no route ${req.url}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The outcome of a request: its value, or the error's class, message and fields. */
  async function outcome(client: ControlClient, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    try {
      return { value: await client.request(method, path, body) };
    } catch (err) {
      const e = err as Error & Partial<ApiResponseError>;
      return { error: e.constructor.name, message: e.message, status: e.status, code: e.code, body: e.body };
    }
  }

  for (const [method, path, body] of [
    ['GET', '/v1/status'],
    ['POST', '/v1/echo', { to: 'bob', text: 'hello ✓' }],
    ['GET', '/v1/big'],
    ['GET', '/v1/chunked'],
    ['GET', '/v1/nothing'],
    ['GET', '/v1/text'],
    ['GET', '/v1/empty'],
  ] as const) {
    it(`answers ${method} ${path} as ControlClient does`, async () => {
      const expected = await outcome(new ControlClient(socketPath), method, path, body);
      assert.deepEqual(await outcome(new CliControlClient(socketPath), method, path, body), expected);
    });
  }

  it('says when no daemon listens', async () => {
    const client = new CliControlClient(join(dir, 'nobody.sock'));
    await assert.rejects(client.request('GET', '/v1/status'), DaemonNotRunningError);
  });
});
