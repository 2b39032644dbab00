// Real S3-protocol servers for the storage tests: fauxqs in-process on 127.0.0.1, a counting HTTP proxy in front
// of a server (to prove that nothing was uploaded), and listeners that refuse or never answer.
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

/** fauxqs does not check signatures; the SDK still wants credentials to sign with. */
export const FAUXQS_CREDENTIALS = { accessKeyId: 'fauxqs-test-key', secretAccessKey: 'fauxqs-test-secret' };

export interface RunningServer {
  endpoint: string;
  close(): Promise<void>;
}

/** fauxqs on 127.0.0.1 and a free port; close() drops every bucket and object. */
export async function startFauxqs(): Promise<RunningServer> {
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  return { endpoint, close: () => app.close() };
}

export async function createBucket(
  endpoint: string,
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = FAUXQS_CREDENTIALS,
): Promise<void> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** An HTTP proxy to `target` that counts the requests that write (PUT/POST) — uploads, parts, completions. */
export async function startCountingProxy(target: string): Promise<RunningServer & { writes(): number }> {
  const t = new URL(target);
  let writes = 0;
  const server: Server = createHttpServer((req, res) => {
    if (req.method === 'PUT' || req.method === 'POST') writes++;
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    writes: () => writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP listener that accepts connections and never answers: a stuck server. */
export async function startSilentListener(): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago and has nothing listening: connections are refused. */
export async function closedPortEndpoint(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
