// HTTP routes for sign-in, the current user, users (administrators) and API tokens.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  changePasswordBody,
  changePasswordResponse,
  createTokenBody,
  createUserBody,
  issuedTokenSchema,
  loginBody,
  loginResponse,
  tokenSchema,
  updateUserBody,
  userSchema,
} from '../../../contract/auth.js';
import { idParams } from '../../../contract/common.js';
import { can } from '../../../domain/roles.js';
import { principalOf } from '../../auth.js';
import { clientAddress, errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { TokenRow, UserRow } from './users-repo.js';
import type { UsersService } from './users-service.js';

export const userDto = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role as z.infer<typeof userSchema>['role'],
  disabled: u.disabled,
  mustChangePassword: u.mustChangePassword,
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
});

const tokenDto = (t: TokenRow) => ({
  id: t.id,
  userId: t.userId,
  name: t.name,
  createdAt: iso(t.createdAt),
  expiresAt: iso(t.expiresAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
});

export function registerUsers(fastify: FastifyInstance, users: UsersService): void {
  const app = typed(fastify);
  const tags = ['people'];

  app.post('/api/v1/auth/login', {
    schema: {
      tags,
      summary: 'Sign in: exchange a user name and password for an API token',
      body: loginBody,
      response: { 200: loginResponse, ...errorResponses },
    },
    handler: async (req) => {
      const r = await users.login(
        req.body.username,
        req.body.password,
        clientAddress(req.ip),
        req.body.tokenName,
      );
      return { token: r.token, tokenInfo: tokenDto(r.tokenInfo), user: userDto(r.user) };
    },
  });

  app.get('/api/v1/me', {
    schema: { tags, summary: 'The signed-in user', response: { 200: userSchema, ...errorResponses } },
    onRequest: app.authorize(undefined, { duringPasswordChange: true }),
    handler: async (req) => userDto(await users.getUser(principalOf(req).userId)),
  });

  app.post('/api/v1/me/password', {
    schema: {
      tags,
      summary: 'Change your own password; every other token and session of yours is revoked',
      body: changePasswordBody,
      response: { 200: changePasswordResponse, ...errorResponses },
    },
    onRequest: app.authorize(undefined, { duringPasswordChange: true }),
    handler: async (req) => {
      const { revokedTokens } = await users.changePassword(
        principalOf(req),
        req.body.currentPassword,
        req.body.newPassword,
      );
      return { ok: true as const, revokedTokens };
    },
  });

  app.get('/api/v1/users', {
    schema: {
      tags,
      summary: 'List users',
      response: { 200: z.object({ items: z.array(userSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('users.manage'),
    handler: async () => ({ items: (await users.listUsers()).map(userDto) }),
  });

  app.post('/api/v1/users', {
    schema: {
      tags,
      summary: 'Create a user (they must change the password at first sign-in)',
      body: createUserBody,
      response: { 201: userSchema, ...errorResponses },
    },
    onRequest: app.authorize('users.manage'),
    handler: async (req, reply) =>
      reply.code(201).send(userDto(await users.createUser(principalOf(req), req.body))),
  });

  app.get('/api/v1/users/:id', {
    schema: {
      tags,
      summary: 'Show a user',
      params: idParams,
      response: { 200: userSchema, ...errorResponses },
    },
    onRequest: app.authorize('users.manage'),
    handler: async (req) => userDto(await users.getUser(req.params.id)),
  });

  app.patch('/api/v1/users/:id', {
    schema: {
      tags,
      summary: 'Change a user: name, role, disabled, or reset the password',
      params: idParams,
      body: updateUserBody,
      response: { 200: userSchema, ...errorResponses },
    },
    onRequest: app.authorize('users.manage'),
    handler: async (req) => userDto(await users.updateUser(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/users/:id', {
    schema: {
      tags,
      summary: 'Delete a user',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize('users.manage'),
    handler: async (req, reply) => {
      await users.deleteUser(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/tokens', {
    schema: {
      tags,
      summary: "List API tokens: your own, or everyone's for administrators with ?all=true",
      querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(tokenSchema) }), ...errorResponses },
    },
    onRequest: app.authorize(),
    handler: async (req) => {
      const p = principalOf(req);
      const all = req.query.all === 'true' && can(p.role, 'users.manage');
      return { items: (await users.listTokens(p, all)).map(tokenDto) };
    },
  });

  app.post('/api/v1/tokens', {
    schema: {
      tags,
      summary: 'Create an API token for yourself (shown once)',
      body: createTokenBody,
      response: { 201: issuedTokenSchema, ...errorResponses },
    },
    onRequest: app.authorize(),
    handler: async (req, reply) => {
      const r = await users.createToken(principalOf(req), req.body.name, req.body.expiresInDays);
      return reply.code(201).send({ token: r.token, tokenInfo: tokenDto(r.tokenInfo) });
    },
  });

  app.delete('/api/v1/tokens/:id', {
    schema: {
      tags,
      summary: 'Revoke an API token',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize(undefined, { duringPasswordChange: true }),
    handler: async (req, reply) => {
      const p = principalOf(req);
      await users.revokeToken(p, req.params.id, can(p.role, 'users.manage'));
      return reply.code(204).send(null);
    },
  });
}
