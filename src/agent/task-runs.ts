// Tasks on demand on the agent: long-polls the server for the task runs queued for this computer, runs each
// with the credential its configuration resolves — exactly as a scheduled workflow, so an account that is not
// distributed here means the task is not run (R22), never run as another — within the run's timeout, and
// reports the exit code and redacted output.
import type { Logger } from 'pino';
import type { OpenedCredential } from '../contract/agents.js';
import { ApiError } from '../contract/client.js';
import type { AgentTaskRun, FinishTaskRun } from '../contract/tasks.js';
import type { AgentApi } from './agent-api.js';
import { executeEntry } from './execute-entry.js';
import type { AgentConfig, ConfigEntry } from './run-plan.js';
import type { RunActionOptions, RunResult as RunnerResult } from './workflow-runner.js';

export type AgentCall = <T>(what: string, fn: (api: AgentApi) => Promise<T>) => Promise<T>;
export type RunActionFn = (options: RunActionOptions) => Promise<RunnerResult>;
type RunPlanConfig = Pick<AgentConfig, 'entries' | 'defaultActionAccountId'>;

export interface TaskRunLoopOptions {
  /** One call on the current server (the daemon's, with its failover). */
  call: AgentCall;
  /** The applied configuration; undefined until the first one arrives (nothing is claimed before). */
  config: () => RunPlanConfig | undefined;
  /** The credentials this agent holds, by account id. */
  held: ReadonlyMap<string, OpenedCredential>;
  runAction: RunActionFn;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** The daemon stopping: ends waits and calls. */
  signal: AbortSignal;
  /** How long one claim waits on the server for a run; default 25 s (the server allows 30). */
  waitSeconds?: number;
  /** First delay after a failed call, doubled up to `maxRetryMs`; default 1 s and 15 s. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How long `stop()` waits for runs in progress to finish and report; default 5 s. */
  stopGraceMs?: number;
  switchUser?: boolean;
  tempRoot?: string;
}

export type TaskRunLoop = ReturnType<typeof createTaskRunLoop>;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The agent's own configuration entry for the run when it has one; else the resolution the server sent. */
export function entryForRun(run: AgentTaskRun, config: Pick<AgentConfig, 'entries'>): ConfigEntry {
  return (
    config.entries.find((e) => e.workflowId === run.taskId && e.objectId === run.objectId) ?? {
      workflowId: run.taskId,
      objectId: run.objectId,
      resolution: run.resolution,
    }
  );
}

/**
 * Runs one claimed task and gives the result to report. Not distributed (or not delivered) means not run,
 * with the reason in stderr; the run's timeout overrides the action's own.
 */
export async function executeTaskRun(
  run: AgentTaskRun,
  deps: {
    config: RunPlanConfig;
    held: ReadonlyMap<string, OpenedCredential>;
    runAction?: RunActionFn;
    switchUser?: boolean;
    tempRoot?: string;
  },
): Promise<FinishTaskRun> {
  const {
    why: _why,
    ranAs: _ranAs,
    durationMs: _durationMs,
    ...result
  } = await executeEntry({
    entry: entryForRun(run, deps.config),
    action: run.action,
    properties: run.object.properties,
    config: deps.config,
    held: deps.held,
    timeoutMs: run.timeoutSeconds * 1000,
    switchUser: deps.switchUser,
    tempRoot: deps.tempRoot,
    run: deps.runAction,
  });
  return result;
}

/** Starts claiming at once; `stop()` ends claiming and waits (briefly) for the runs in progress. */
export function createTaskRunLoop(o: TaskRunLoopOptions) {
  const log = o.log;
  const retryMs = o.retryMs ?? 1000;
  const maxRetryMs = o.maxRetryMs ?? 15_000;
  const halt = new AbortController();
  const signal = AbortSignal.any([halt.signal, o.signal]);
  const inFlight = new Set<Promise<void>>();
  const halted = () => signal.aborted;

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Delivers a result, retrying while the server is unreachable or busy; a refusal (4xx) is final. */
  async function report(run: AgentTaskRun, result: FinishTaskRun) {
    let delay = retryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.call('task-result', (api) => api.finishTaskRun(run.id, result));
        return;
      } catch (err) {
        const refused =
          err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
        if (refused || attempt >= 5 || o.signal.aborted) {
          log.warn(
            { runId: run.id, taskId: run.taskId, err: errInfo(err) },
            refused ? 'task result refused by the server' : 'could not report a task result',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  function start(run: AgentTaskRun, config: RunPlanConfig) {
    const p = (async () => {
      const result = await executeTaskRun(run, {
        config,
        held: o.held,
        runAction: o.runAction,
        switchUser: o.switchUser,
        tempRoot: o.tempRoot,
      });
      log.info(
        {
          runId: run.id,
          taskId: run.taskId,
          objectId: run.objectId,
          outcome: result.outcome,
          exitCode: result.exitCode,
          timedOut: result.timedOut,
        },
        'task run finished',
      );
      await report(run, result);
    })()
      .catch((err) => log.error({ runId: run.id, err: errInfo(err) }, 'task run failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function loop() {
    let delay = retryMs;
    let lastRefusal = '';
    while (!halted()) {
      const config = o.config();
      if (!config) {
        await sleep(200);
        continue;
      }
      try {
        const runs = await o.call('task-runs', (api) =>
          api.claimTaskRuns({ waitSeconds: o.waitSeconds ?? 25 }),
        );
        delay = retryMs;
        lastRefusal = '';
        // Claimed runs are ours to finish: run them with the configuration as it is now.
        for (const run of runs) start(run, o.config() ?? config);
      } catch (err) {
        if (halted()) return;
        const info = errInfo(err);
        if (info.message !== lastRefusal)
          log.warn({ err: info, retryInMs: delay }, 'task run poll failed: will retry');
        lastRefusal = info.message;
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  const done = loop();

  return {
    /** Resolves once the loop has ended (after `stop()` or the daemon's signal). */
    done,
    /** Runs in progress now. */
    get running() {
      return inFlight.size;
    },
    /** Stops claiming; waits up to the grace for runs in progress to finish and report. */
    async stop(): Promise<void> {
      halt.abort();
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((r) => setTimeout(r, o.stopGraceMs ?? 5000).unref()),
      ]);
    },
  };
}

/** Error details fit for a log line: code, status and message (server and runner messages hold no secret). */
function errInfo(err: unknown) {
  return err instanceof ApiError
    ? { code: err.code, status: err.status, message: err.message }
    : { message: messageOf(err) };
}
