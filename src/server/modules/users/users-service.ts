// People: users, their passwords and roles, API tokens, sign-in with throttling, and the bootstrap administrator.
import { newId } from '../../../contract/ids.js';
import {
  dummyPasswordHash,
  hashPassword,
  hashToken,
  newApiToken,
  newOneTimePassword,
  TOKEN_PREFIX,
  verifyPassword,
} from '../../../crypto/passwords.js';
import type { Role } from '../../../domain/roles.js';
import type { Db } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { LoginThrottle } from './login-throttle.js';
import * as repo from './users-repo.js';

export interface UsersServiceDeps {
  db: Db;
  throttle: LoginThrottle;
  /** Stands for a user name no user has in the audit log: people type passwords into that field. */
  unknownNameHash: (typedName: string) => string;
  tokenTtlDays: number;
  now?: () => Date;
}

const DAY = 86_400_000;
const TOUCH_EVERY_MS = 60_000;

export type UsersService = ReturnType<typeof createUsersService>;

/** Creates the first administrator when there are no users; returns its one-time password once. */
export async function ensureBootstrapAdmin(
  db: Db,
): Promise<{ username: string; password: string } | undefined> {
  if ((await repo.countUsers(db)) > 0) return undefined;
  const password = newOneTimePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    if ((await repo.countUsers(tx)) > 0) return undefined;
    const row = await repo.insertUser(tx, {
      id: newId('user'),
      username: 'admin',
      displayName: 'Bootstrap administrator',
      role: 'administrator',
      passwordHash,
      mustChangePassword: true,
    });
    await appendAudit(tx, {
      actor: 'system',
      kind: 'user.bootstrap',
      target: row.id,
      details: { username: 'admin' },
    });
    return { username: 'admin', password };
  });
}

export function createUsersService({
  db,
  throttle,
  unknownNameHash,
  tokenTtlDays,
  now = () => new Date(),
}: UsersServiceDeps) {
  async function issueToken(userId: string, name: string, days: number, actor: string) {
    const { token, hash } = newApiToken();
    const at = now();
    const tokenInfo = await db.transaction(async (tx) => {
      const row = await repo.insertToken(tx, {
        id: newId('token'),
        userId,
        name,
        tokenHash: hash,
        createdAt: at,
        expiresAt: new Date(at.getTime() + days * DAY),
      });
      await appendAudit(tx, {
        actor,
        kind: 'token.create',
        target: row.id,
        details: { userId, name, expiresAt: row.expiresAt.toISOString() },
      });
      return row;
    });
    return { token, tokenInfo };
  }

  return {
    /** Signs in; the token (an API token, or a console session's) lives `ttlDays`, the token lifetime by default. */
    async login(username: string, password: string, address: string, tokenName?: string, ttlDays?: number) {
      // Counted before the password is checked: parallel attempts cannot slip past the limit.
      const admission = await throttle.admit(username, address);
      if (!admission.allowed) {
        const wait = admission.retryAfterSeconds;
        throw new AppError(
          'TOO_MANY_REQUESTS',
          `Too many failed sign-ins. Try again in ${wait} s.`,
          undefined,
          {
            'retry-after': String(wait),
          },
        );
      }
      const user = await repo.findUserByName(db, username);
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash), password);
      if (!user || !ok || user.disabled) {
        await db.transaction((tx) =>
          appendAudit(tx, {
            actor: `anonymous@${address}`,
            kind: 'auth.login-failed',
            target: user?.id ?? null,
            details: user ? { username: user.username } : { unknownUsernameHash: unknownNameHash(username) },
          }),
        );
        throw new AppError('UNAUTHENTICATED', 'The user name or password is wrong, or the user is disabled.');
      }
      await throttle.succeeded(username, address);
      const issued = await issueToken(
        user.id,
        tokenName ?? 'login',
        ttlDays ?? tokenTtlDays,
        `user:${user.username}`,
      );
      return { ...issued, user };
    },

    /** Resolves a bearer token to its principal, or undefined for anything not valid now. */
    async authenticate(token: string): Promise<Principal | undefined> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      const found = await repo.findActiveToken(db, hashToken(token));
      const at = now();
      if (!found || found.user.disabled || found.token.expiresAt <= at) return undefined;
      if (!found.token.lastUsedAt || at.getTime() - found.token.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
        await repo.touchToken(db, found.token.id, at);
      }
      return {
        userId: found.user.id,
        username: found.user.username,
        role: found.user.role as Role,
        tokenId: found.token.id,
        mustChangePassword: found.user.mustChangePassword,
      };
    },

    async changePassword(p: Principal, currentPassword: string, newPassword: string) {
      const user = await repo.findUserById(db, p.userId);
      if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
        throw new AppError('VALIDATION_FAILED', 'currentPassword: is wrong.', [
          { path: 'body.currentPassword', message: 'is wrong' },
        ]);
      }
      if (currentPassword === newPassword) {
        throw new AppError('VALIDATION_FAILED', 'newPassword: must differ from the current password.', [
          { path: 'body.newPassword', message: 'must differ from the current password' },
        ]);
      }
      const passwordHash = await hashPassword(newPassword);
      // Whoever knew the old password may hold a token: every other token and session of the user ends.
      return db.transaction(async (tx) => {
        await repo.updateUser(tx, user.id, { passwordHash, mustChangePassword: false });
        const revokedTokens = await repo.revokeTokensOfUser(tx, user.id, now(), p.tokenId);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'user.password-change',
          target: user.id,
          details: { revokedTokens },
        });
        return { revokedTokens };
      });
    },

    listUsers: () => repo.listUsers(db),

    async getUser(id: string) {
      const u = await repo.findUserById(db, id);
      if (!u) throw notFound('User', id);
      return u;
    },

    async createUser(
      p: Principal,
      input: { username: string; displayName?: string; role: Role; password: string },
    ) {
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        if (await repo.findUserByName(tx, input.username)) {
          throw new AppError('ALREADY_EXISTS', `A user named '${input.username}' already exists.`, [
            { path: 'body.username', message: 'is taken' },
          ]);
        }
        const row = await repo.insertUser(tx, {
          id: newId('user'),
          username: input.username,
          displayName: input.displayName ?? input.username,
          role: input.role,
          passwordHash,
          mustChangePassword: true,
        });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'user.create',
          target: row.id,
          details: { username: row.username, role: row.role },
        });
        return row;
      });
    },

    async updateUser(
      p: Principal,
      id: string,
      patch: { displayName?: string; role?: Role; disabled?: boolean; password?: string },
    ) {
      const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
      return db.transaction(async (tx) => {
        const user = await repo.findUserById(tx, id);
        if (!user) throw notFound('User', id);
        const losesAdmin =
          user.role === 'administrator' &&
          !user.disabled &&
          ((patch.role && patch.role !== 'administrator') || patch.disabled);
        if (losesAdmin && (await repo.countActiveAdministrators(tx)) <= 1) {
          throw new AppError(
            'RULE_VIOLATION',
            'This is the last active administrator; make another administrator first.',
          );
        }
        const row = await repo.updateUser(tx, id, {
          displayName: patch.displayName,
          role: patch.role,
          disabled: patch.disabled,
          ...(passwordHash ? { passwordHash, mustChangePassword: true } : {}),
        });
        if (patch.disabled || passwordHash) await repo.revokeTokensOfUser(tx, id, now());
        const { password: _omit, ...visible } = patch;
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'user.update',
          target: id,
          details: { ...visible, ...(passwordHash ? { passwordReset: true } : {}) },
        });
        return row!;
      });
    },

    async deleteUser(p: Principal, id: string) {
      if (id === p.userId) throw new AppError('RULE_VIOLATION', 'You cannot delete your own user.');
      await db.transaction(async (tx) => {
        const user = await repo.findUserById(tx, id);
        if (!user) throw notFound('User', id);
        if (
          user.role === 'administrator' &&
          !user.disabled &&
          (await repo.countActiveAdministrators(tx)) <= 1
        ) {
          throw new AppError(
            'RULE_VIOLATION',
            'This is the last active administrator; make another administrator first.',
          );
        }
        await repo.deleteUser(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'user.delete',
          target: id,
          details: { username: user.username },
        });
      });
    },

    createToken: (p: Principal, name: string, days?: number) =>
      issueToken(p.userId, name, days ?? tokenTtlDays, actorOf(p)),

    listTokens: (p: Principal, all: boolean) => repo.listTokens(db, all ? undefined : p.userId),

    async revokeToken(p: Principal, id: string, mayRevokeOthers: boolean) {
      await db.transaction(async (tx) => {
        const t = await repo.findToken(tx, id);
        // Another user's token is invisible to a non-administrator: 404, not 403.
        if (!t || (t.userId !== p.userId && !mayRevokeOthers)) throw notFound('Token', id);
        await repo.revokeToken(tx, id, now());
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'token.revoke',
          target: id,
          details: { userId: t.userId },
        });
      });
    },
  };
}
