import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { NextFunction, Request, Response } from 'express';
import cookieParser from 'cookie-parser';
import expressStaticGzip from 'express-static-gzip';
import type { HttpLogger } from 'pino-http';
import type { Provider } from '@nestjs/common';
import { AppModule, type RuntimeConfig } from './app.module.js';
import { webBuildDirectory } from './paths.js';
import { migrateDatabase } from './database/migrate.js';
import { CollabServer } from './collab/collab.server.js';
import { inlineScriptHashes, securityHeaders } from './common/security-headers.js';
import { inFlightSubmitLimit } from './common/in-flight-limit.js';
import { REQUEST_LOG } from './common/request-log.js';

export async function createApp(config: RuntimeConfig, overrides: Provider[] = []): Promise<NestExpressApplication> {
  // Our tables, the ledger's and the queue's, before anything touches them.
  await migrateDatabase(config.databaseUrl);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, overrides), {
    bufferLogs: true,
    bodyParser: true,
    // Stripe's webhook signature is checked on the exact bytes received (req.rawBody).
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api');
  app.disable('x-powered-by');
  // The request log first: a request refused by a middleware below (its body too slow, too many
  // submits in flight, not JSON, JSON that does not parse) is logged with its status too.
  app.use(app.get<HttpLogger>(REQUEST_LOG));
  // First, so every answer carries them: API errors, the web app, images.
  const indexFile = path.join(webBuildDirectory, 'index.html');
  app.use(...securityHeaders(inlineScriptHashes(existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : undefined)));
  // X-Forwarded-For is believed only from the proxies TRUST_PROXY names (none by default).
  app.set('trust proxy', config.trustProxy);
  app.use(bodyTimeout(config.http.bodyTimeoutMs));
  app.use(inFlightSubmitLimit(config.http.maxInFlightSubmits));
  app.use('/api', refuseNonJsonBodies);
  app.useBodyParser('json', { limit: '1mb' });
  app.use(cookieParser());
  // Slow clients: headers must arrive in time (Node checks this every 30 s; see docs/SECURITY.md).
  const httpServer = app.getHttpServer();
  httpServer.headersTimeout = config.http.headersTimeoutMs;
  httpServer.requestTimeout = config.http.headersTimeoutMs + config.http.bodyTimeoutMs;
  // Collaborative documents (Hocuspocus) take WebSocket upgrades for /collab on this HTTP server.
  app.get(CollabServer).attach(app.getHttpServer());


  const document = buildOpenApiDocument(app);
  app.use('/api/openapi.json', (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET') {
      next();
      return;
    }
    response.json(document);
  });
  serveWebApp(app);
  return app;
}

/**
 * Called on SIGTERM before `app.close()`: from now on every answer says `Connection: close`, and
 * idle keep-alive connections are closed as they become idle, so a client sending a steady stream
 * on one connection cannot keep the HTTP server (and the process) open; it reconnects elsewhere.
 */
export function beginDraining(app: NestExpressApplication): void {
  const server = app.getHttpServer();
  server.on('request', (_request: Request, response: Response) => {
    response.shouldKeepAlive = false;
  });
  server.closeIdleConnections();
  const timer = setInterval(() => {
    server.closeIdleConnections();
  }, 50);
  timer.unref();
  server.once('close', () => {
    clearInterval(timer);
  });
}

/**
 * A request whose body has not fully arrived `timeoutMs` after its headers gets a 408 and its
 * connection closed, so a client trickling bytes cannot hold a connection and a parser for minutes.
 */
function bodyTimeout(timeoutMs: number): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    if (request.complete) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (request.complete || response.headersSent) return;
      response.setHeader('Connection', 'close');
      response.status(408).json({ code: 'request_timeout', message: `The request body did not arrive within ${String(timeoutMs)} ms.`, field: 'body' });
      response.once('finish', () => request.socket.destroy());
    }, timeoutMs);
    timer.unref();
    const clear = (): void => {
      clearTimeout(timer);
    };
    request.once('end', clear);
    request.once('close', clear);
    next();
  };
}

/**
 * The API reads JSON only: a body of any other type (a form, text) is a 415 before any parser
 * sees it, so no endpoint receives a shape its schema was not written for.
 */
function refuseNonJsonBodies(request: Request, response: Response, next: NextFunction): void {
  const hasBody = request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!hasBody || type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type)) {
    next();
    return;
  }
  response.status(415).json({ code: 'unsupported_media_type', message: 'Send the request body as JSON (Content-Type: application/json).', field: 'body' });
}

export function buildOpenApiDocument(app: NestExpressApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('Atelier API')
    .setDescription('Shared credit pool, budgets, pricing and generation jobs')
    .setVersion('0.1.0')
    .build();
  return SwaggerModule.createDocument(app, options);
}

function decodable(urlPath: string): boolean {
  try {
    decodeURIComponent(urlPath);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serves the built single-page app at `/`, with index.html for every client-side route. The build
 * writes each asset brotli- and gzip-compressed beside it (adapter-static's `precompress`): a
 * browser gets the smallest it accepts, compressed once at build time, not on every request.
 * Hashed files under `_app/immutable/` never change, so browsers keep them; the rest revalidate.
 */
function serveWebApp(app: NestExpressApplication): void {
  const indexFile = path.join(webBuildDirectory, 'index.html');
  const built = existsSync(indexFile);
  const isPageRequest = (request: Request): boolean =>
    (request.method === 'GET' || request.method === 'HEAD') &&
    !request.path.startsWith('/api') &&
    !request.path.startsWith('/socket.io') &&
    !request.path.startsWith('/collab');
  if (built) {
    const immutable = `${path.sep}_app${path.sep}immutable${path.sep}`;
    const assets = expressStaticGzip(webBuildDirectory, {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: {
        index: false,
        setHeaders: (response, file) => {
          response.setHeader('Cache-Control', file.includes(immutable) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      },
    });
    // Only page and asset requests look for a file: the API answers its own paths, malformed ones
    // included, and a page path that cannot be decoded gets the app (which shows it is not found).
    app.use((request: Request, response: Response, next: NextFunction) => {
      if (isPageRequest(request) && decodable(request.path)) assets(request, response, next);
      else next();
    });
  }
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!isPageRequest(request)) {
      next();
      return;
    }
    if (request.path.startsWith('/_app/')) {
      // A build file that is not there (say, a tab from before a deploy asking for an old chunk):
      // not the app's page, which a browser would try to run as a script.
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    if (!built) {
      response
        .status(503)
        .type('text/plain')
        .send('The web app is not built yet: run `npm run build` (or `npm start`, which builds it).');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(indexFile);
  });
}
