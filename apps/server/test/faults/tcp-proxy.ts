import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real service (Postgres, Redis) that a test can cut and restore: `cut()`
 * destroys every open connection and stops listening, so new connections are refused (as with a
 * stopped or restarting server); `restore()` listens again on the same port. The service itself is never touched, so tests can "restart Postgres"
 * on a machine whose Postgres other people use.
 */
export interface TcpProxy {
  readonly port: number;
  /** `postgres://…` or `redis://…` of `target` with the proxy's port. */
  url(targetUrl: string): string;
  cut(): Promise<void>;
  /** Holds every byte in both directions (a database that hangs) until `resume()`. */
  pause(): void;
  resume(): void;
  restore(): Promise<void>;
  readonly open: number;
  close(): Promise<void>;
}

export interface BalancingProxy extends TcpProxy {
  /** The ports new connections go to, taken in turn; one that refuses is skipped (as a load balancer does). */
  setTargets(ports: number[]): void;
}

/** A proxy to one service on `targetHost:targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  return startBalancingProxy(targetHost, [targetPort]);
}

/**
 * A proxy in front of several nodes (the test's load balancer): each new connection goes to the
 * next target in turn, and to the one after when a target refuses the connection.
 */
export async function startBalancingProxy(targetHost: string, initialTargets: number[]): Promise<BalancingProxy> {
  const sockets = new Set<Socket>();
  let paused = false;
  let targets = [...initialTargets];
  let turn = 0;
  const server: Server = createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => {
      client.destroy();
      sockets.delete(client);
    });
    const order = targets.map((_port, index) => targets[(turn + index) % targets.length] ?? 0);
    turn += 1;
    const tryNext = (index: number): void => {
      const port = order[index];
      if (port === undefined || client.destroyed) {
        client.destroy();
        sockets.delete(client);
        return;
      }
      const upstream = connect(port, targetHost);
      let connected = false;
      upstream.once('error', () => {
        if (!connected) tryNext(index + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        const end = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream);
        upstream.pipe(client);
        if (paused) upstream.pause();
        else client.resume();
      });
    };
    tryNext(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;
  let listening = true;
  return {
    port,
    setTargets: (ports) => {
      targets = [...ports];
    },
    url: (targetUrl) => {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut: async () => {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    pause: () => {
      paused = true;
      for (const socket of sockets) socket.pause();
    },
    resume: () => {
      paused = false;
      for (const socket of sockets) socket.resume();
    },
    restore: async () => {
      if (listening) return;
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    get open() {
      return sockets.size;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (listening) await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      listening = false;
    },
  };
}
