// Authentication (bearer API tokens of people, the console's session cookie with its CSRF token, identity tokens
// of managed identities) and authorization (a person's role permissions; an identity's role assignments at the
// scope of the resource touched) as `onRequest` hooks: they run before the body is parsed or validated, so an
// anonymous caller learns nothing from a 400.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import {
  can,
  type Permission,
  type ResourceAction,
  resourceActionNames,
  roleNames,
} from '../domain/roles.js';
import { AppError } from './errors.js';
import { type IdentityTokenAuth, looksLikeJwt } from './modules/identity/identity-token-auth.js';
import type { ScopeResolver } from './modules/roles/resource-scopes.js';
import type { UsersService } from './modules/users/users-service.js';
import { identityPrincipal, type Principal } from './principal.js';
import { CSRF_HEADER, csrfMatches, isSafeMethod, sessionTokenOf } from './session.js';

export interface AuthorizeOptions {
  duringPasswordChange?: boolean;
  /**
   * Where the resource a route touches sits, so that identity tokens may call it with the rights of their
   * role assignments there; `'in-handler'` when the scope is in the body and the handler checks it. Without
   * a scope, identity tokens are refused (least privilege).
   */
  scope?: ScopeResolver | 'in-handler';
  /** What the route does, for role assignments; by default the one matching `permission`. */
  action?: ResourceAction;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /**
     * Requires a valid token and, when given, a permission of the caller's role — or, for an identity token,
     * a role assignment allowing the route's action at the scope of the resource.
     */
    authorize(permission?: Permission, opts?: AuthorizeOptions): onRequestAsyncHookHandler;
  }
}

/** The action of a route for role assignments, from the permission a person needs for it. */
const actionOf: Partial<Record<Permission, ResourceAction>> = {
  'automation.read': 'automation.read',
  'automation.manage': 'automation.write',
  'automation.jobs': 'jobs.run',
  'roles.assign': 'roles.write',
  'policy.assign': 'policy.write',
};

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return req.principal;
}

const badToken = () =>
  new AppError('UNAUTHENTICATED', 'The API token is unknown, expired or revoked. Sign in again.', undefined, {
    'www-authenticate': 'Bearer error="invalid_token"',
  });

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

export function registerAuth(
  app: FastifyInstance,
  users: UsersService,
  identities: IdentityTokenAuth,
  csrfKey: Buffer,
): void {
  app.decorateRequest('principal', undefined);

  async function authorizeIdentity(
    req: FastifyRequest,
    principal: Principal,
    permission: Permission | undefined,
    opts: AuthorizeOptions | undefined,
  ) {
    const action = opts?.action ?? (permission ? actionOf[permission] : undefined);
    if (!opts?.scope || !action)
      throw new AppError(
        'FORBIDDEN',
        'An identity token may not call this endpoint: it acts on no resource a role assignment can scope.',
      );
    if (opts.scope === 'in-handler') return;
    const scope = await opts.scope(req);
    if (!(await identities.allows(principal.identity!.principalId, action, scope)))
      throw new AppError(
        'FORBIDDEN',
        `The identity has no role assignment allowing it to ${resourceActionNames[action]} at ${scope}.`,
      );
  }

  app.decorate('authorize', (permission?: Permission, opts?: AuthorizeOptions) => {
    const handler = async (req: FastifyRequest) => {
      const { token, session } = credentialOf(req);
      if (!session && looksLikeJwt(token)) {
        const caller = await identities.verify(token);
        if (!caller) throw badToken();
        req.principal = identityPrincipal(caller);
        await authorizeIdentity(req, req.principal, permission, opts);
        return;
      }
      const principal = await users.authenticate(token);
      if (!principal) throw badToken();
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
    return Object.assign(handler, {
      permission,
      authenticates: true,
      identityScoped: Boolean(opts?.scope),
    });
  });
}
