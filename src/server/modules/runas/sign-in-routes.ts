// The OAuth 2.0 token endpoint where a service principal signs in with its certificate (client credentials with
// a private_key_jwt assertion). Public — the assertion is the credential — and answered in OAuth's shape.
// Reached as /oauth2/token, or tenant-style as /{tenant}/oauth2/v2.0/token and /{tenant}/oauth2/token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TOKEN_ENDPOINT_PATH } from '../../../contract/runas.js';
import { clientAddress, typed } from '../../http.js';
import { issuerFor } from '../identity/oidc-routes.js';
import type { SignInService } from './sign-in-service.js';

const FORM_LIMIT_BYTES = 16 * 1024;

const tokenAnswer = z.object({
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  ext_expires_in: z.number().int(),
  access_token: z.string(),
});
const oauthError = z.object({ error: z.string(), error_description: z.string() });

export function registerSignIn(
  fastify: FastifyInstance,
  deps: { signIn: SignInService; issuerUrl: () => string | undefined },
): void {
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_req, body, done) => done(null, body),
    );
    const app = typed(scope);
    const schema = (summary: string, params?: z.ZodObject) => ({
      tags: ['identity'],
      summary,
      description:
        'OAuth 2.0 client credentials with a private_key_jwt client assertion (RFC 7523) whose header names the certificate (x5t or x5t#S256). Public: the assertion is the credential.',
      security: [],
      ...(params ? { params } : {}),
      response: { 200: tokenAnswer, 400: oauthError, 401: oauthError },
    });
    const handle = async (req: FastifyRequest, reply: FastifyReply, tenant?: string) => {
      reply.header('cache-control', 'no-store');
      const issuer = issuerFor(deps.issuerUrl(), req);
      const path = req.url.split('?')[0]!;
      const answer = await deps.signIn.signIn({
        form: new URLSearchParams(typeof req.body === 'string' ? req.body : ''),
        audiences: [...new Set([`${issuer}${path}`, `${issuer}${TOKEN_ENDPOINT_PATH}`])],
        tenant,
        clientAddress: clientAddress(req.ip),
      });
      if (answer.kind === 'refused')
        return reply.code(answer.status).send({ error: answer.error, error_description: answer.description });
      return reply.code(200).send({
        token_type: 'Bearer',
        expires_in: answer.expiresIn,
        ext_expires_in: answer.expiresIn,
        access_token: answer.accessToken,
      });
    };
    app.post(TOKEN_ENDPOINT_PATH, {
      schema: schema('Sign in with a certificate: a token for the service principal'),
      handler: (req, reply) => handle(req, reply),
    });
    const tenantParams = z.object({ tenant: z.string().min(1).max(64) });
    for (const path of ['/:tenant/oauth2/v2.0/token', '/:tenant/oauth2/token'])
      app.post(path, {
        schema: schema(
          'Sign in with a certificate, tenant-style path (as MSAL and Azure SDKs call it)',
          tenantParams,
        ),
        handler: (req, reply) => handle(req, reply, (req.params as { tenant: string }).tenant),
      });
  });
}
