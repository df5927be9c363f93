import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';

/** One request a fake server got, as the tests see it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a fake answers: a response, or nothing at all until the client gives up ('hang'). */
export type Reply = { status: number; headers?: Record<string, string>; body?: Buffer | string | object } | 'hang';

export interface FakeHttpServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a random port, recording every request it gets. */
export async function startFakeHttpServer(
  handle: (request: RecordedRequest, baseUrl: string) => Promise<Reply>,
  options: { onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void } = {},
): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  let baseUrl = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      handle(recorded, baseUrl)
        .then((reply) => {
          if (reply === 'hang') return; // Never answer: the client's deadline or abort ends it.
          const body = reply.body;
          const headers = { ...reply.headers };
          let bytes: Buffer;
          if (body === undefined) bytes = Buffer.alloc(0);
          else if (Buffer.isBuffer(body)) bytes = body;
          else if (typeof body === 'string') bytes = Buffer.from(body);
          else {
            bytes = Buffer.from(JSON.stringify(body));
            headers['content-type'] ??= 'application/json';
          }
          res.writeHead(reply.status, { ...headers, 'content-length': String(bytes.length) });
          res.end(bytes);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake server failure: ${String(error)}`);
        });
    });
  });
  if (options.onUpgrade !== undefined) server.on('upgrade', options.onUpgrade);
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** A behaviour queue: tests push what the next N matching requests answer; empty means "normal". */
export class Script<T> {
  private readonly queue: T[] = [];

  push(...behaviours: T[]): void {
    this.queue.push(...behaviours);
  }

  take(): T | undefined {
    return this.queue.shift();
  }

  get size(): number {
    return this.queue.length;
  }
}
