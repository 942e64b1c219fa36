// The baseline of the agents benchmark: a bare node:http server answering GET /api/v1/agent/config with one
// stored configuration body (200, or 304 when the query's tag is the stored one). No assertion check, no database.
// Run as its own process: `bare-config-server.ts <file holding the body>`; prints {"port":N} once it listens on loopback.
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';

const body = readFileSync(process.argv[2] ?? '', 'utf8');
const tag = (JSON.parse(body) as { tag: string }).tag;
const etag = `"${tag}"`;

function send(res: ServerResponse, status: number, text: string | undefined): void {
  res.writeHead(status, {
    etag,
    ...(text === undefined
      ? {}
      : { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  if (!/^Agent\s+\S+$/i.test(req.headers.authorization ?? ''))
    return send(res, 401, JSON.stringify({ error: { code: 'UNAUTHENTICATED' } }));
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/api/v1/agent/config')
    return send(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND' } }));
  return url.searchParams.get('tag') === tag ? send(res, 304, undefined) : send(res, 200, body);
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
