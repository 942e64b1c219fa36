// What a reported run changes: a monitor sets the health state of its object (warning or critical raise an
// alert, healthy resolves it), a rule raises alerts, a discovery updates the objects on its health service.
import { and, eq } from 'drizzle-orm';
import {
  type HealthState,
  type OutputProblem,
  readDiscovery,
  readMonitor,
  readRuleAlerts,
} from '../../../domain/runtime/workflow-output.js';
import type { Db } from '../../../store/db.js';
import { healthStates } from '../../../store/schema.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import { applyDiscovery } from './discovery.js';

export interface RunEffectsDeps {
  db: Db;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey'>;
  now?: () => Date;
}

export interface EffectRun {
  runnerId: string;
  actor: string;
  workflow: { id: string; kind: string; displayName: string };
  objectId: string;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
}

export const monitorAlertKey = (monitorId: string, objectId: string) => `monitor:${monitorId}:${objectId}`;
const ruleAlertKey = (ruleId: string, objectId: string, name: string) => `rule:${ruleId}:${objectId}:${name}`;

export type RunEffects = ReturnType<typeof createRunEffects>;

export function createRunEffects({ db, alerts, now = () => new Date() }: RunEffectsDeps) {
  /** Stores the state; returns the previous one (undefined the first time). */
  async function setHealth(run: EffectRun, state: HealthState, message: string) {
    return db.transaction(async (tx) => {
      const key = and(eq(healthStates.monitorId, run.workflow.id), eq(healthStates.objectId, run.objectId));
      const prev = (await tx.select().from(healthStates).where(key).for('update'))[0];
      const at = now();
      if (prev) {
        await tx
          .update(healthStates)
          .set({
            state,
            message,
            runnerId: run.runnerId,
            checkedAt: at,
            ...(prev.state !== state ? { since: at } : {}),
          })
          .where(key);
      } else {
        await tx.insert(healthStates).values({
          monitorId: run.workflow.id,
          objectId: run.objectId,
          runnerId: run.runnerId,
          state,
          message,
          since: at,
          checkedAt: at,
        });
      }
      return prev?.state as HealthState | undefined;
    });
  }

  async function monitor(run: EffectRun): Promise<OutputProblem[]> {
    const reading = readMonitor(run);
    if (reading.kind === 'unknown') return [{ line: 0, message: reading.problem }];
    const prev = await setHealth(run, reading.state, reading.message);
    if (prev === reading.state) return [];
    const key = monitorAlertKey(run.workflow.id, run.objectId);
    if (reading.state === 'healthy') {
      await alerts.resolveByKey(run.actor, key);
    } else {
      // A change warning → critical (or back) repeats the open alert with the new severity.
      await alerts.raise(run.actor, {
        name: run.workflow.displayName,
        description: reading.message,
        severity: reading.state,
        priority: 'medium',
        sourceObjectId: run.objectId,
        sourceKind: 'workflow',
        workflowId: run.workflow.id,
        dedupeKey: key,
      });
    }
    return [];
  }

  async function rule(run: EffectRun): Promise<OutputProblem[]> {
    const { alerts: raised, problems } = readRuleAlerts(run);
    for (const a of raised) {
      await alerts.raise(run.actor, {
        name: a.name,
        description: a.description,
        severity: a.severity,
        priority: a.priority,
        custom: a.custom,
        sourceObjectId: run.objectId,
        sourceKind: 'workflow',
        workflowId: run.workflow.id,
        dedupeKey: ruleAlertKey(run.workflow.id, run.objectId, a.name),
      });
    }
    return problems;
  }

  async function discovery(run: EffectRun): Promise<OutputProblem[]> {
    const reading = readDiscovery(run);
    if (reading.kind === 'failed') return [{ line: 0, message: reading.problem }];
    const outcome = await db.transaction((tx) =>
      applyDiscovery(
        tx,
        { runnerId: run.runnerId, discoveryId: run.workflow.id, sourceId: run.objectId, actor: run.actor },
        reading.objects,
        reading.problems,
      ),
    );
    return outcome.problems;
  }

  return {
    /** Applies what one run means; returns the problems found in its output (named by line). */
    async apply(run: EffectRun): Promise<OutputProblem[]> {
      switch (run.workflow.kind) {
        case 'monitor':
          return monitor(run);
        case 'rule':
          return rule(run);
        case 'discovery':
          return discovery(run);
        default:
          return [];
      }
    },

    listHealth: (f: { objectId?: string; monitorId?: string }) =>
      db
        .select()
        .from(healthStates)
        .where(
          and(
            f.objectId ? eq(healthStates.objectId, f.objectId) : undefined,
            f.monitorId ? eq(healthStates.monitorId, f.monitorId) : undefined,
          ),
        )
        .orderBy(healthStates.objectId, healthStates.monitorId)
        .limit(1000),
  };
}
