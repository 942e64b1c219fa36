// Run results: what an agent needs to run its configuration, the results it reports (only for its own
// (workflow, object) pairs; any other is refused and audited), and the latest results for people.
import type { z } from 'zod';
import type {
  AgentWorkflow,
  RunResult,
  reportResultsResponse,
  resultsQuery,
} from '../../../contract/results.js';
import { storableOutput } from '../../../contract/text.js';
import type { Db } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import { agentActor } from '../agents/agent-identity.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as inventory from '../inventory/objects-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import * as repo from './results-repo.js';
import type { RunEffects } from './run-effects.js';

export interface ResultsServiceDeps {
  db: Db;
  resolution: Pick<ResolutionService, 'latest'>;
  effects: Pick<RunEffects, 'apply'>;
  now?: () => Date;
}

export type ResultsService = ReturnType<typeof createResultsService>;

const pairKey = (workflowId: string, objectId: string) => `${workflowId}\u0000${objectId}`;

export function createResultsService(d: ResultsServiceDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());

  async function configOf(agentId: string) {
    const config = (await d.resolution.latest()).configOf(agentId);
    if (!config) throw notFound('Computer of agent', agentId);
    return config;
  }

  return {
    /** The definitions of the workflows in the agent's configuration and the objects they run for. */
    async workflowsFor(agentId: string) {
      const config = await configOf(agentId);
      const workflowIds = [...new Set(config.entries.map((e) => e.workflowId))];
      const objectIds = [...new Set(config.entries.map((e) => e.objectId))];
      const [wfs, objs] = await Promise.all([
        repo.findWorkflows(db, workflowIds),
        repo.findObjectsById(db, objectIds),
      ]);
      return {
        tag: config.tag,
        workflows: wfs.map(
          (w): AgentWorkflow => ({
            id: w.id,
            kind: w.kind as AgentWorkflow['kind'],
            targetClassId: w.targetClassId,
            profileId: w.profileId,
            action: w.action as AgentWorkflow['action'],
            schedule: (w.schedule ?? null) as AgentWorkflow['schedule'],
          }),
        ),
        objects: objs,
      };
    },

    /**
     * Stores the latest result of each reported pair that is in the agent's configuration. A pair that is not
     * (an object hosted elsewhere, a workflow it does not run) is refused item by item and audited.
     */
    async report(agentId: string, reported: RunResult[]): Promise<z.infer<typeof reportResultsResponse>> {
      // Output is data from anywhere: what the database cannot hold (NUL) is kept visibly, never refused.
      const results = reported.map((r) => ({
        ...r,
        stdout: storableOutput(r.stdout),
        stderr: storableOutput(r.stderr),
      }));
      const config = await configOf(agentId);
      const allowed = new Set(config.entries.map((e) => pairKey(e.workflowId, e.objectId)));
      const at = now();
      const refused: z.infer<typeof reportResultsResponse>['refused'] = [];
      // The latest result per pair: a batch may hold several runs of one pair.
      const latest = new Map<string, repo.NewWorkflowResult>();
      const indexOf = new Map<string, number>();
      results.forEach((r, index) => {
        const key = pairKey(r.workflowId, r.objectId);
        if (!allowed.has(key)) {
          refused.push({
            index,
            workflowId: r.workflowId,
            objectId: r.objectId,
            reason: 'not in this agent’s configuration',
          });
          return;
        }
        const startedAt = new Date(r.startedAt);
        const prev = latest.get(key);
        if (prev && prev.startedAt > startedAt) return;
        indexOf.set(key, index);
        latest.set(key, {
          agentId,
          workflowId: r.workflowId,
          objectId: r.objectId,
          outcome: r.outcome,
          startedAt,
          durationMs: r.durationMs,
          exitCode: r.exitCode,
          timedOut: r.timedOut,
          accountId: r.accountId ?? null,
          accountVersion: r.accountVersion ?? null,
          stdout: r.stdout,
          stderr: r.stderr,
          reportedAt: at,
          notRunSince: r.outcome === 'not-run-credentials-not-found' ? startedAt : null,
        });
      });
      await db.transaction(async (tx) => {
        await repo.upsertResults(tx, [...latest.values()]);
        for (const r of refused)
          await appendAudit(tx, {
            actor: agentActor(agentId),
            kind: 'result.refused',
            target: r.objectId,
            details: { agent: agentId, workflow: r.workflowId, object: r.objectId, reason: r.reason },
          });
      });
      const problems: z.infer<typeof reportResultsResponse>['problems'] = [];
      const ran = [...latest.entries()].filter(([, r]) => r.outcome === 'ran');
      const defs = new Map(
        (await repo.findWorkflows(db, [...new Set(ran.map(([, r]) => r.workflowId))])).map((w) => [w.id, w]),
      );
      for (const [key, r] of ran) {
        const workflow = defs.get(r.workflowId);
        if (!workflow) continue;
        const found = await d.effects.apply({
          runnerId: agentId,
          actor: agentActor(agentId),
          workflow,
          objectId: r.objectId,
          exitCode: r.exitCode ?? null,
          timedOut: r.timedOut,
          stdout: r.stdout,
        });
        for (const p of found)
          problems.push({ index: indexOf.get(key)!, workflowId: r.workflowId, objectId: r.objectId, ...p });
      }
      return { accepted: results.length - refused.length, refused, problems };
    },

    /** The latest results, filtered by object, workflow and computer (id or name). */
    async list(q: z.infer<typeof resultsQuery>) {
      let agentId: string | undefined;
      if (q.computer) {
        agentId = (await inventory.findComputerByName(db, q.computer))?.id ?? q.computer;
      }
      return repo.listResults(db, {
        agentId,
        workflowId: q.workflow,
        objectId: q.object,
        limit: q.limit,
      });
    },
  };
}
