// Reads request bodies strictly, and refuses before validation any request whose path, query or body holds text
// the database cannot keep.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { textProblem } from '../contract/text.js';
import { requestDigest } from '../crypto/agent-keys.js';
import { invalid } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 (base64url) of the exact JSON body bytes, kept for requests an agent signs. */
    bodyDigest?: string;
  }
  interface FastifyContextConfig {
    /** Body keys whose string values are program output: kept (made storable by the service), not refused. */
    outputKeys?: readonly string[];
  }
}

/** A query value whose percent-encoding does not decode to UTF-8; refused by the guard with its name. */
class BadEncoding {}

/**
 * Parses a query string as Fastify's default does (`+` is a space, a repeated key gives an array), but
 * keeps a value that is not valid percent-encoded UTF-8 apart instead of turning it into U+FFFD.
 */
export function parseQueryString(qs: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const part of qs.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string | BadEncoding => {
      try {
        return decodeURIComponent(s.replaceAll('+', ' '));
      } catch {
        return new BadEncoding();
      }
    };
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = decode(eq < 0 ? '' : part.slice(eq + 1));
    const name = key instanceof BadEncoding ? '(a name that is not valid UTF-8)' : key;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function check(value: unknown, path: string, outputKeys: ReadonlySet<string>): void {
  if (value instanceof BadEncoding) throw invalid(path, 'is not valid percent-encoded UTF-8');
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) throw invalid(path, problem);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) check(v, `${path}[${i}]`, outputKeys);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k);
      if (keyProblem) throw invalid(path, `a key ${keyProblem}`);
      if (typeof v === 'string' && outputKeys.has(k)) continue;
      check(v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, outputKeys);
    }
  }
}

const none: ReadonlySet<string> = new Set();

export function registerTextGuard(app: FastifyInstance): void {
  // JSON bodies are decoded strictly: invalid UTF-8 is refused rather than turned into U+FFFD.
  app.decorateRequest('bodyDigest', undefined);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(invalid('body', 'is not valid UTF-8'), undefined);
      return;
    }
    // An agent's assertion names the digest of the body it signed (checked once the agent is known).
    if (/^agent\s/i.test(req.headers.authorization ?? '')) req.bodyDigest = requestDigest(bytes);
    parseJson(req, bytes.toString('utf8'), done);
  });

  const outputKeysOf = new WeakMap<object, ReadonlySet<string>>();
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const config = req.routeOptions.config;
    let keys = outputKeysOf.get(config);
    if (!keys) {
      keys = config.outputKeys ? new Set(config.outputKeys) : none;
      outputKeysOf.set(config, keys);
    }
    check(req.params, 'params', none);
    check(req.query, 'querystring', none);
    check(req.body, 'body', keys);
  });
}
