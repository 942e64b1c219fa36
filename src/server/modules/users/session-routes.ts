// The console's sign-in: a server-side session (an API token of the user, revocable) in an HttpOnly,
// SameSite=Strict cookie, with a CSRF token the page sends back with every change.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sessionLoginBody, sessionSchema } from '../../../contract/auth.js';
import { principalOf } from '../../auth.js';
import { clientAddress, errorResponses, typed } from '../../http.js';
import {
  clearSessionCookie,
  csrfTokenFor,
  SESSION_TTL_DAYS,
  sessionTokenOf,
  setSessionCookie,
} from '../../session.js';
import { userDto } from './users-routes.js';
import type { UsersService } from './users-service.js';

export function registerSessions(fastify: FastifyInstance, users: UsersService, csrfKey: Buffer): void {
  const app = typed(fastify);
  const tags = ['people'];

  app.post('/api/v1/auth/session', {
    schema: {
      tags,
      summary: 'Sign in to the console: sets an HttpOnly session cookie and answers with its CSRF token',
      body: sessionLoginBody,
      response: { 200: sessionSchema, ...errorResponses },
    },
    handler: async (req, reply) => {
      const r = await users.login(
        req.body.username,
        req.body.password,
        clientAddress(req.ip),
        'console session',
        SESSION_TTL_DAYS,
      );
      reply.header('set-cookie', setSessionCookie(req, r.token));
      reply.header('cache-control', 'no-store');
      return { user: userDto(r.user), csrfToken: csrfTokenFor(csrfKey, r.token) };
    },
  });

  app.get('/api/v1/auth/session', {
    schema: {
      tags,
      summary: 'The signed-in user and, for a console session, its CSRF token',
      response: { 200: sessionSchema, ...errorResponses },
    },
    onRequest: app.authorize(undefined, { duringPasswordChange: true }),
    handler: async (req, reply) => {
      const session = req.headers.authorization ? undefined : sessionTokenOf(req);
      reply.header('cache-control', 'no-store');
      return {
        user: userDto(await users.getUser(principalOf(req).userId)),
        csrfToken: session ? csrfTokenFor(csrfKey, session) : null,
      };
    },
  });

  app.delete('/api/v1/auth/session', {
    schema: {
      tags,
      summary: 'Sign out: revokes the session (or the API token that calls) and clears the cookie',
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize(undefined, { duringPasswordChange: true }),
    handler: async (req, reply) => {
      const p = principalOf(req);
      await users.revokeToken(p, p.tokenId, false);
      reply.header('set-cookie', clearSessionCookie(req));
      return reply.code(204).send(null);
    },
  });
}
