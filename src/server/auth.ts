// Authentication (bearer API tokens, or the console's session cookie with its CSRF token) and
// authorization (role permissions) as `onRequest` hooks:
// they run before the body is parsed or validated, so an anonymous caller learns nothing from a 400.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { can, type Permission, roleNames } from '../domain/roles.js';
import { AppError } from './errors.js';
import type { UsersService } from './modules/users/users-service.js';
import type { Principal } from './principal.js';
import { CSRF_HEADER, csrfMatches, isSafeMethod, sessionTokenOf } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Requires a valid token and, when given, a permission of the caller's role. */
    authorize(permission?: Permission, opts?: { duringPasswordChange?: boolean }): onRequestAsyncHookHandler;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return req.principal;
}

/** The token of the request: its bearer token, else its session cookie. */
function credentialOf(req: FastifyRequest): { token: string; session: boolean } {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (match) return { token: match[1]!, session: false };
  const session = header ? undefined : sessionTokenOf(req);
  if (!session) {
    throw new AppError(
      'UNAUTHENTICATED',
      'This endpoint needs an API token: send "Authorization: Bearer <token>".',
      undefined,
      { 'www-authenticate': 'Bearer' },
    );
  }
  return { token: session, session: true };
}

export function registerAuth(app: FastifyInstance, users: UsersService, csrfKey: Buffer): void {
  app.decorateRequest('principal', undefined);
  app.decorate('authorize', (permission?: Permission, opts?: { duringPasswordChange?: boolean }) => {
    const handler = async (req: FastifyRequest) => {
      const { token, session } = credentialOf(req);
      const principal = await users.authenticate(token);
      if (!principal) {
        throw new AppError(
          'UNAUTHENTICATED',
          'The API token is unknown, expired or revoked. Sign in again.',
          undefined,
          {
            'www-authenticate': 'Bearer error="invalid_token"',
          },
        );
      }
      // A session cookie rides along on any request the browser makes: a change needs the page's CSRF token too.
      if (session && !isSafeMethod(req.method) && !csrfMatches(csrfKey, token, req.headers[CSRF_HEADER])) {
        throw new AppError(
          'FORBIDDEN',
          `A change made with a console session needs the session's CSRF token in the ${CSRF_HEADER} header.`,
        );
      }
      req.principal = principal;
      if (principal.mustChangePassword && !opts?.duringPasswordChange) {
        throw new AppError(
          'PASSWORD_CHANGE_REQUIRED',
          'Your password is a one-time password: change it first (steward password change, or POST /api/v1/me/password).',
        );
      }
      if (permission && !can(principal.role, permission)) {
        throw new AppError(
          'FORBIDDEN',
          `The ${roleNames[principal.role]} role may not do this (needs ${permission}).`,
        );
      }
    };
    // Read by the route-policy list in app.ts, so authorization tests can walk every route.
    return Object.assign(handler, { permission, authenticates: true });
  });
}
