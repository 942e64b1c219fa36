// Steward as an OIDC issuer: the discovery document and the JWKS (public, as every verifier fetches them
// without credentials), and the administrators' view and rotation of the signing keys.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { signingKeySchema } from '../../../contract/identities.js';
import { TOKEN_ENDPOINT_PATH } from '../../../contract/runas.js';
import { AppError } from '../../errors.js';
import { errorResponses, typed } from '../../http.js';
import { actorOf } from '../../principal.js';
import { signingAlgs } from './signing-keys.js';
import type { TokenService } from './token-service.js';

export const JWKS_PATH = '/.well-known/jwks.json';

/** The issuer: STEWARD_ISSUER_URL when set, else the scheme and host the caller used. */
export const issuerFor = (configured: string | undefined, req: FastifyRequest) =>
  (configured ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');

const discoveryDocument = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  response_types_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  claims_supported: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  token_endpoint: z.string(),
  authorization_endpoint: z.string().optional(),
  grant_types_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
});

const discovery = (issuer: string): z.infer<typeof discoveryDocument> => ({
  issuer,
  jwks_uri: `${issuer}${JWKS_PATH}`,
  response_types_supported: ['id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: [...signingAlgs],
  claims_supported: [
    'iss',
    'sub',
    'aud',
    'exp',
    'nbf',
    'iat',
    'jti',
    'oid',
    'tid',
    'azp',
    'appid',
    'xms_mirid',
    'job_id',
    'automation_account_id',
    'worker',
    'agent_id',
    'computer',
  ],
  scopes_supported: ['openid'],
  // Where a service principal signs in with its certificate (private_key_jwt, RFC 7523).
  token_endpoint: `${issuer}${TOKEN_ENDPOINT_PATH}`,
  grant_types_supported: ['client_credentials'],
  token_endpoint_auth_methods_supported: ['private_key_jwt'],
  token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
});

const jwkSchema = z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string() });

export function registerOidc(
  fastify: FastifyInstance,
  deps: { tokens: TokenService; issuerUrl: () => string | undefined; tenantId: () => Promise<string> },
): void {
  const app = typed(fastify);
  const tags = ['identity'];

  app.get('/.well-known/openid-configuration', {
    schema: {
      tags,
      summary: 'OpenID Connect discovery document of Steward as a token issuer',
      security: [],
      response: {
        200: discoveryDocument,
      },
    },
    handler: async (req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return discovery(issuerFor(deps.issuerUrl(), req));
    },
  });

  // The tenant-style document MSAL (and so Azure's SDKs, e.g. ClientCertificateCredential) reads before it signs
  // in: the same document, with the tenant's token endpoint — the audience its client assertion then names.
  app.get('/:tenant/v2.0/.well-known/openid-configuration', {
    schema: {
      tags,
      summary:
        'The discovery document, tenant-style (as MSAL reads it): its token endpoint is the tenant one',
      security: [],
      params: z.object({ tenant: z.string().min(1).max(64) }),
      response: { 200: discoveryDocument, ...errorResponses },
    },
    handler: async (req, reply) => {
      const tenant = await deps.tenantId();
      if (req.params.tenant.toLowerCase() !== tenant)
        throw new AppError('NOT_FOUND', `Tenant '${req.params.tenant}' is not this management group.`);
      reply.header('cache-control', 'public, max-age=300');
      const issuer = issuerFor(deps.issuerUrl(), req);
      return {
        ...discovery(issuer),
        token_endpoint: `${issuer}/${tenant}/oauth2/v2.0/token`,
        // MSAL requires one; Steward signs no one in interactively.
        authorization_endpoint: `${issuer}/${tenant}/oauth2/v2.0/authorize`,
      };
    },
  });

  app.get(JWKS_PATH, {
    schema: {
      tags,
      summary:
        'Public keys that verify identity tokens (the signing key, pending ones, and retired ones still needed)',
      security: [],
      response: { 200: z.object({ keys: z.array(jwkSchema) }) },
    },
    handler: async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return (await deps.tokens.jwks()) as { keys: z.infer<typeof jwkSchema>[] };
    },
  });

  const manage = app.authorize('identity.keys');
  app.get('/api/v1/identity/signing-keys', {
    schema: {
      tags,
      summary: 'List the token signing keys and their state',
      response: { 200: z.object({ items: z.array(signingKeySchema) }), ...errorResponses },
    },
    onRequest: manage,
    handler: async () => ({ items: await deps.tokens.listKeys() }),
  });

  app.post('/api/v1/identity/signing-keys/rotate', {
    schema: {
      tags,
      summary:
        'Make a new signing key (ES256, or RS256 for the audiences that need it): published now, signing after signsAfterSeconds (default 15 minutes)',
      body: z
        .strictObject({
          signsAfterSeconds: z
            .number()
            .int()
            .min(0)
            .max(7 * 86_400)
            .optional(),
          alg: z.enum(signingAlgs).optional().describe('The algorithm of the new key; default ES256'),
        })
        .default({}),
      response: { 201: signingKeySchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const row = await deps.tokens.rotate(actorOf(req.principal), req.body.signsAfterSeconds, req.body.alg);
      const listed = (await deps.tokens.listKeys()).find((k) => k.kid === row.kid)!;
      return reply.code(201).send(listed);
    },
  });
}
