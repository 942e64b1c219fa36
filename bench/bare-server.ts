// The baseline: a bare node:http server doing the trivial part of the same work (check the token, parse JSON, keep objects in a map, answer JSON).
// Run as its own process: `bare-server.ts <token>`; prints {"port":N} on stdout once it listens on loopback.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface StoredObject {
  id: string;
  classId: string;
  name: string;
  displayName: string;
  properties: Record<string, unknown>;
  hostId: string;
  createdAt: string;
  updatedAt: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tokenHashes = new Set([sha256(process.argv[2] ?? '')]);
const objects = new Map<string, StoredObject>();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => ok(body));
    req.on('error', fail);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!auth || !tokenHashes.has(sha256(auth[1]!)))
    return send(res, 401, { error: { code: 'UNAUTHENTICATED' } });
  const url = req.url ?? '/';
  if (req.method === 'POST' && url === '/api/v1/objects') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: { code: 'VALIDATION_FAILED', message: 'body: not JSON' } });
    }
    if (typeof body.classId !== 'string' || typeof body.hostId !== 'string' || typeof body.name !== 'string')
      return send(res, 400, { error: { code: 'VALIDATION_FAILED', message: 'classId, hostId, name' } });
    const now = new Date().toISOString();
    const obj: StoredObject = {
      id: `obj_${randomBytes(12).toString('hex')}`,
      classId: body.classId,
      name: body.name,
      displayName: typeof body.displayName === 'string' ? body.displayName : body.name,
      properties: (body.properties as Record<string, unknown>) ?? {},
      hostId: body.hostId,
      createdAt: now,
      updatedAt: now,
    };
    objects.set(obj.id, obj);
    return send(res, 201, obj);
  }
  const get = /^\/api\/v1\/objects\/([^/?]+)$/.exec(url);
  if (req.method === 'GET' && get) {
    const obj = objects.get(decodeURIComponent(get[1]!));
    return obj ? send(res, 200, obj) : send(res, 404, { error: { code: 'NOT_FOUND' } });
  }
  return send(res, 404, { error: { code: 'NOT_FOUND' } });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => send(res, 500, { error: { code: 'INTERNAL' } }));
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
