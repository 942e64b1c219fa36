// Enrollment tokens already made: listed for administrators (never the token: it is stored hashed and shown
// once) and revoked while unused, each revocation audited.
import { desc, eq } from 'drizzle-orm';
import type { EnrollmentTokenInfo } from '../../../contract/agents.js';
import type { Db } from '../../../store/db.js';
import { computers, enrollmentTokens } from '../../../store/schema.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';

type Info = Omit<EnrollmentTokenInfo, 'createdAt' | 'expiresAt' | 'usedAt'> & {
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
};

export function createEnrollmentTokens({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const select = () =>
    db
      .select({
        id: enrollmentTokens.id,
        computerId: enrollmentTokens.computerId,
        tokenComputerName: enrollmentTokens.computerName,
        registeredName: computers.name,
        createdBy: enrollmentTokens.createdBy,
        createdAt: enrollmentTokens.createdAt,
        expiresAt: enrollmentTokens.expiresAt,
        usedAt: enrollmentTokens.usedAt,
      })
      .from(enrollmentTokens)
      .leftJoin(computers, eq(computers.id, enrollmentTokens.computerId));
  const info = (r: Awaited<ReturnType<typeof select>>[number]): Info => ({
    id: r.id,
    computerId: r.computerId,
    computerName: r.registeredName ?? r.tokenComputerName ?? '',
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    usedAt: r.usedAt,
    state: r.usedAt ? 'used' : r.expiresAt.getTime() <= now().getTime() ? 'expired' : 'unused',
  });
  return {
    /** Newest first, at most `limit`. */
    async list(limit = 500): Promise<Info[]> {
      return (await select().orderBy(desc(enrollmentTokens.createdAt)).limit(limit)).map(info);
    },
    /** Deletes an unused token, so it can no longer enroll anything; a used one is history and stays. */
    async revoke(p: Principal, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(enrollmentTokens)
          .where(eq(enrollmentTokens.id, id))
          .for('update');
        if (!row) throw notFound('Enrollment token', id);
        if (row.usedAt)
          throw new AppError(
            'CONFLICT',
            `Enrollment token '${id}' was used already: revoke the agent instead.`,
          );
        await tx.delete(enrollmentTokens).where(eq(enrollmentTokens.id, id));
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'agent.token.revoke',
          target: id,
          details: { computerId: row.computerId, computerName: row.computerName },
        });
      });
    },
  };
}

export type EnrollmentTokens = ReturnType<typeof createEnrollmentTokens>;
