// Serves the web console's built files (dist/console): hashed assets cached for a year, index.html for
// every other browser path (client routes), all under a Content-Security-Policy that allows only this server.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/console beside dist/server, from src/server (tests) and dist/server alike. */
export const defaultConsoleDir = fileURLToPath(new URL('../../dist/console', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine sets CSS variables in style elements and attributes; scripts stay strict.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths the server answers itself: never the console's index.html. */
const SERVER_PATHS = /^\/(api|docs|\.well-known|openapi\.json|healthz|readyz|metrics|webhooks)(\/|$)/;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  immutable: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function load(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const full of walk(dir)) {
    const urlPath = `/${relative(dir, full).split(sep).join('/')}`;
    const body = readFileSync(full);
    const type = contentTypes[extname(full)] ?? 'application/octet-stream';
    const compressible = /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024;
    files.set(urlPath, {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return files;
}

function send(req: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply
    .header('content-type', file.type)
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  const accepts = String(req.headers['accept-encoding'] ?? '');
  if (file.gzip && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/** Registers the console when it is built; a server without it answers 404 at `/` as before. */
export function registerConsole(app: FastifyInstance, dir: string = defaultConsoleDir): boolean {
  if (!existsSync(join(dir, 'index.html'))) return false;
  const files = load(dir);
  const index = files.get('/index.html')!;
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    const file = files.get(path);
    if (file) return send(req, reply, file);
    // A missing asset or a server path is a plain 404, never the page (a stale hash must not get HTML). A
    // client route may end in a dotted id (/packs/Contoso.SQL): only the extensions of static files count.
    if (SERVER_PATHS.test(path) || path.startsWith('/assets/') || contentTypes[extname(path).toLowerCase()])
      return reply.callNotFound();
    return send(req, reply, index);
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
  return true;
}
