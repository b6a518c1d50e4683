/**
 * A TCP proxy in front of an S3 API server, that a fault test can take down and bring back on the
 * same port (down, connections are refused and open ones cut, as when a server is stopped; the
 * server behind it keeps its data), or have answer one bucket's requests with S3's `503 Slow Down`
 * (throttling: a transient error the other buckets do not see).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './moto.js';

export interface Proxy {
  readonly port: number;
  /** Cuts every connection and refuses new ones. */
  down(): Promise<void>;
  /** Takes connections again, on the same port. */
  up(): Promise<void>;
  /** Answers every request for `bucket` (path-style) with 503 Slow Down, until called with `undefined`. */
  throttle(bucket: string | undefined): void;
  close(): Promise<void>;
}

const slowDown = (bucket: string) => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><BucketName>${bucket}</BucketName></Error>`;
  return `HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/**
 * Starts a proxy on a free loopback port to `127.0.0.1:targetPort`.
 *
 * @example
 * const proxy = await tcpProxy(moto.port); // S3_ENDPOINT=http://127.0.0.1:${proxy.port}
 * await proxy.down(); await sleep(30_000); await proxy.up();
 */
export async function tcpProxy(targetPort: number): Promise<Proxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let throttled: string | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        // a keep-alive client sends a request's head only after the previous response, so a
        // request starts a chunk: its request line says the bucket
        client.on('data', (chunk: Buffer) => {
          const bucket = throttled;
          if (bucket !== undefined && chunk.subarray(0, 16 + bucket.length * 3).toString('latin1').match(/^[A-Z]+ \/([^/?\s]*)/)?.[1] === encodeURIComponent(bucket)) {
            upstream.destroy();
            client.end(slowDown(bucket));
            return;
          }
          if (!upstream.write(chunk)) {
            client.pause();
            upstream.once('drain', () => client.resume());
          }
        });
        client.on('end', () => upstream.end());
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = async () => {
    const closing = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.destroy();
    await closing;
    server = undefined;
  };
  await listen();
  return {
    port,
    down,
    up: listen,
    throttle: (bucket) => {
      throttled = bucket;
    },
    close: down,
  };
}
