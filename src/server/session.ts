// Console sessions: the session token travels in an HttpOnly, SameSite=Strict cookie, and every change
// made with it carries a CSRF token the page read from the API (a keyed hash of the session token).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'steward_session';
export const CSRF_HEADER = 'x-csrf-token';
/** A console session lasts 12 hours of server time, or until signed out. */
export const SESSION_TTL_DAYS = 0.5;

/** The session token of the request's cookie, if any. */
export function sessionTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}

export function csrfTokenFor(key: Buffer, sessionToken: string): string {
  return createHmac('sha256', key).update(sessionToken).digest('base64url');
}

export function csrfMatches(key: Buffer, sessionToken: string, sent: string | string[] | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Safe methods change nothing, so they need no CSRF token. */
export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

function cookieAttributes(req: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${req.protocol === 'https' ? '; Secure' : ''}`;
}

export const setSessionCookie = (req: FastifyRequest, token: string) =>
  `${SESSION_COOKIE}=${token}; ${cookieAttributes(req)}; Max-Age=${Math.round(SESSION_TTL_DAYS * 86_400)}`;

export const clearSessionCookie = (req: FastifyRequest) =>
  `${SESSION_COOKIE}=; ${cookieAttributes(req)}; Max-Age=0`;
