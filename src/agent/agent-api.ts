// Typed agent-side client: enroll, long-poll the configuration and fetch credentials, opening each
// sealed envelope locally with the agent's own key. Every request after enrollment carries a fresh assertion.

import type { z } from 'zod';
import type { IdentitySelector, IdentityTokenAnswer } from '../automation/token-protocol.js';
import { type AccountCheck, reportAccountChecksResponse } from '../contract/account-checks.js';
import {
  type AgentTokenResponse,
  agentTokenResponse,
  computerTokenAad,
  jobTokenAad,
} from '../contract/agent-tokens.js';
import {
  agentConfigSchema,
  agentConfigWithCredentialsSchema,
  credentialAad,
  credentialsResponse,
  enrollResponse,
  type OpenedCredential,
  openedCredentialSchema,
} from '../contract/agents.js';
import { ApiError } from '../contract/client.js';
import { errorBodySchema } from '../contract/errors.js';
import {
  type AgentJob,
  agentJobAssetResponse,
  agentJobsResponse,
  type FinishJob,
  jobAssetAad,
  jobSecretAad,
  postJobStreamsResponse,
} from '../contract/hybrid-workers.js';
import { agentWorkflowsResponse, type RunResult, reportResultsResponse } from '../contract/results.js';
import { agentTaskRunsResponse, type FinishTaskRun, taskRunSummarySchema } from '../contract/tasks.js';
import { AUDIENCE_HEADER, openSealed, signAssertion } from '../crypto/agent-keys.js';
import type { AgentPlatform } from '../domain/inventory/platform.js';
import type { AgentIdentity } from './agent-identity.js';

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type ConfigResult =
  | { kind: 'changed'; config: AgentConfig; credentials?: FetchedCredentials }
  | { kind: 'unchanged' };

export interface AgentApiOptions {
  server: string;
  identity: AgentIdentity;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Aborts every call in flight (the agent stopping). */
  signal?: AbortSignal;
}

export type AgentApi = ReturnType<typeof createAgentApi>;

export interface FetchedCredentials {
  opened: OpenedCredential[];
  /** Delivered but not usable here, with the reason (never the content). */
  unopened: { accountId: string; version: number; reason: string }[];
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const anySignal = (a: AbortSignal, b: AbortSignal | undefined) => (b ? AbortSignal.any([a, b]) : a);

/** A claimed hybrid job with what was sealed for it opened; `unopened` says why something did not open. */
export interface OpenedJob {
  job: AgentJob;
  secretParameters: Record<string, unknown>;
  runAs: OpenedCredential | null;
  unopened?: string;
}

export function createAgentApi(opts: AgentApiOptions) {
  const openToken = (r: AgentTokenResponse, aad: string): IdentityTokenAnswer => {
    if (r.kind === 'refused') return r;
    const { envelope, ...rest } = r;
    return { ...rest, accessToken: openSealed(opts.identity.sealingKey, envelope, aad).toString('utf8') };
  };
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.server.endsWith('/') ? opts.server : `${opts.server}/`;
  let agentId = opts.identity.agentId;
  /**
   * The server's own assertion audience, from its last answer (it names it in a header): its single use is
   * checked in that server's memory. Until it is known, and after the server could not be reached, assertions
   * name the audience every server accepts.
   */
  let audience: string | undefined;
  /**
   * Set when the audience changed again on the very request signed for the new one: answers come from several
   * servers at this address (a balancer), so assertions name the audience every server accepts from then on.
   */
  let severalServers = false;

  async function call(
    method: string,
    path: string,
    o: {
      body?: unknown;
      query?: Record<string, string | number | undefined>;
      auth: boolean;
      waitMs?: number;
    },
  ): Promise<{ status: number; json: unknown }> {
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    const body = o.body !== undefined ? JSON.stringify(o.body) : undefined;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (o.auth && !agentId) throw new ApiError(0, 'UNAUTHENTICATED', 'This agent is not enrolled yet.');
    const send = async (signedFor: string | undefined) => {
      if (o.auth) {
        // Signed for exactly this query string and these body bytes.
        const request = { method, path: url.pathname, query: url.search.slice(1), body };
        const assertion = await signAssertion(opts.identity.signingKey, agentId!, {
          request,
          audience: signedFor,
        });
        headers.authorization = `Agent ${assertion}`;
      }
      try {
        const res = await doFetch(url, {
          method,
          headers,
          body,
          signal: anySignal(AbortSignal.timeout((opts.timeoutMs ?? 30_000) + (o.waitMs ?? 0)), opts.signal),
        });
        audience = res.headers.get(AUDIENCE_HEADER) ?? audience;
        return res;
      } catch (err) {
        // The server could not be reached (it stopped, or its connection broke): whatever answers next is a new
        // start of it or another server, so the next request names the audience every server accepts rather
        // than being refused for this one.
        audience = undefined;
        throw new ApiError(
          0,
          'UNAVAILABLE',
          `Cannot reach the Steward server at ${opts.server} (${
            (err as { cause?: { message?: string } }).cause?.message ?? String(err)
          }).`,
        );
      }
    };
    // Refused as made for another audience (the server restarted, or another answers at this address): once more,
    // for the audience it named; refused so again, for the audience every server accepts.
    const refusedFor = (r: Response, signedFor: string | undefined) =>
      o.auth && r.status === 401 && signedFor !== undefined && audience !== signedFor;
    const first = severalServers ? undefined : audience;
    let res = await send(first);
    if (refusedFor(res, first)) {
      await res.body?.cancel();
      const second = audience;
      res = await send(second);
      if (refusedFor(res, second)) {
        await res.body?.cancel();
        severalServers = true;
        res = await send(undefined);
      }
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok && res.status !== 304) {
      const e = errorBodySchema.safeParse(json);
      if (e.success)
        throw new ApiError(res.status, e.data.error.code, e.data.error.message, e.data.error.requestId);
      throw new ApiError(res.status, 'INTERNAL', `The server answered ${res.status} without an error body.`);
    }
    return { status: res.status, json };
  }

  return {
    get agentId() {
      return agentId;
    },

    /** Registers this agent's public keys; with a token it is approved at once, otherwise it waits. */
    async enroll(input: { computerName: string; token?: string; platform?: AgentPlatform }) {
      const { json } = await call('POST', '/api/v1/agent/enroll', {
        auth: false,
        body: {
          computerName: input.computerName,
          signingPublicKey: opts.identity.signingPublicKey,
          sealingPublicKey: opts.identity.sealingPublicKey,
          ...(input.platform ? { platform: input.platform } : {}),
          ...(input.token ? { token: input.token } : {}),
        },
      });
      const out = enrollResponse.parse(json);
      agentId = out.agentId;
      return out;
    },

    /** Whether the server answers that it is ready; false for any failure (a probe, never an error). */
    async ready(): Promise<boolean> {
      return call('GET', '/readyz', { auth: false }).then(
        () => true,
        () => false,
      );
    },

    /**
     * The configuration; with the current `tag` and `waitSeconds` the server holds the call until it changes.
     * With `withCredentials` (an agent that holds none), the credentials it runs as come with it, opened as
     * `fetchCredentials` opens them.
     */
    async fetchConfig(
      o: { tag?: string; waitSeconds?: number; withCredentials?: boolean } = {},
    ): Promise<ConfigResult> {
      const { status, json } = await call('GET', '/api/v1/agent/config', {
        auth: true,
        query: {
          tag: o.tag,
          waitSeconds: o.waitSeconds,
          include: o.withCredentials ? 'credentials' : undefined,
        },
        waitMs: (o.waitSeconds ?? 0) * 1000,
      });
      if (status === 304) return { kind: 'unchanged' };
      if (!o.withCredentials) return { kind: 'changed', config: agentConfigSchema.parse(json) };
      const { credentials, ...config } = agentConfigWithCredentialsSchema.parse(json);
      // A server that sent none (one from before `include`) is asked for them apart.
      return { kind: 'changed', config, credentials: credentials && openDelivered(credentials.items) };
    },

    /** Definitions of the workflows in this agent's configuration and the objects they run for. */
    async fetchWorkflows() {
      const { json } = await call('GET', '/api/v1/agent/workflows', { auth: true });
      return agentWorkflowsResponse.parse(json);
    },

    /** Reports run results; pairs outside this agent's configuration come back refused. */
    async reportAccountChecks(checks: AccountCheck[]) {
      const { json } = await call('PUT', '/api/v1/agent/account-checks', { auth: true, body: { checks } });
      return reportAccountChecksResponse.parse(json);
    },

    async reportResults(results: RunResult[]) {
      const { json } = await call('POST', '/api/v1/agent/results', { auth: true, body: { results } });
      return reportResultsResponse.parse(json);
    },

    /** Claims the task runs queued for this agent; with `waitSeconds` the server holds the call until one arrives. */
    async claimTaskRuns(o: { waitSeconds?: number } = {}) {
      const { json } = await call('GET', '/api/v1/agent/task-runs', {
        auth: true,
        query: { waitSeconds: o.waitSeconds },
        waitMs: (o.waitSeconds ?? 0) * 1000,
      });
      return agentTaskRunsResponse.parse(json).items;
    },

    /** Reports the result of a task run this agent claimed. */
    async finishTaskRun(runId: string, result: FinishTaskRun) {
      const { json } = await call('POST', `/api/v1/agent/task-runs/${encodeURIComponent(runId)}/result`, {
        auth: true,
        body: result,
      });
      return taskRunSummarySchema.parse(json);
    },

    /**
     * Claims queued jobs of this agent's hybrid worker groups, opening their sealed parts with the agent's key;
     * with `waitSeconds` the server holds the call until one arrives.
     */
    async claimJobs(o: { waitSeconds?: number; max?: number } = {}): Promise<OpenedJob[]> {
      const { json } = await call('GET', '/api/v1/agent/jobs', {
        auth: true,
        query: { waitSeconds: o.waitSeconds, max: o.max },
        waitMs: (o.waitSeconds ?? 0) * 1000,
      });
      return agentJobsResponse.parse(json).items.map((job) => {
        const out: OpenedJob = { job, secretParameters: {}, runAs: null };
        try {
          if (job.secretParameters)
            out.secretParameters = JSON.parse(
              openSealed(
                opts.identity.sealingKey,
                job.secretParameters,
                jobSecretAad(agentId!, job.id),
              ).toString('utf8'),
            ) as Record<string, unknown>;
        } catch {
          out.unopened = 'its secret parameters do not open with this agent’s key';
        }
        if (job.runAs) {
          const r = job.runAs;
          try {
            const opened = openedCredentialSchema.safeParse(
              parseJson(
                openSealed(
                  opts.identity.sealingKey,
                  r.envelope,
                  credentialAad(agentId!, r.accountId, r.version),
                ).toString('utf8'),
              ),
            );
            if (opened.success && opened.data.accountId === r.accountId) out.runAs = opened.data;
            else out.unopened = 'its Run As credential holds another account';
          } catch {
            out.unopened = 'its Run As credential does not open with this agent’s key';
          }
        }
        return out;
      });
    },

    /** Posts stream records of a job this agent runs (an empty list renews the claim); says whether to stop. */
    async postJobStreams(
      jobId: string,
      records: { seq: number; stream: string; at: string; text: string }[],
    ) {
      const { json } = await call('POST', `/api/v1/agent/jobs/${encodeURIComponent(jobId)}/streams`, {
        auth: true,
        body: { records },
      });
      return postJobStreamsResponse.parse(json);
    },

    /** Reports how a job this agent ran ended. */
    async finishJob(jobId: string, result: FinishJob) {
      await call('POST', `/api/v1/agent/jobs/${encodeURIComponent(jobId)}/finish`, {
        auth: true,
        body: result,
      });
    },

    /** An asset of a job this agent runs, opened with its key. */
    async readJobAsset(jobId: string, kind: string, name: string): Promise<unknown> {
      const { json } = await call(
        'GET',
        `/api/v1/agent/jobs/${encodeURIComponent(jobId)}/assets/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`,
        { auth: true },
      );
      const { envelope } = agentJobAssetResponse.parse(json);
      return JSON.parse(
        openSealed(opts.identity.sealingKey, envelope, jobAssetAad(agentId!, jobId, kind, name)).toString(
          'utf8',
        ),
      ) as unknown;
    },

    /** A token for an identity of a job this agent runs (its loopback token endpoint), opened with its key. */
    async jobIdentityToken(
      jobId: string,
      selector: IdentitySelector,
      resource: string,
    ): Promise<IdentityTokenAnswer> {
      const { json } = await call('POST', `/api/v1/agent/jobs/${encodeURIComponent(jobId)}/identity-token`, {
        auth: true,
        body: { selector, resource },
      });
      return openToken(agentTokenResponse.parse(json), jobTokenAad(agentId!, jobId));
    },

    /** A token for this computer's own identity (the metadata endpoint, R64), opened with its key. */
    async computerIdentityToken(selector: IdentitySelector, resource: string): Promise<IdentityTokenAnswer> {
      const { json } = await call('POST', '/api/v1/agent/identity/token', {
        auth: true,
        body: { selector, resource },
      });
      return openToken(agentTokenResponse.parse(json), computerTokenAad(agentId!));
    },

    /** The credentials asked for that the server delivers, opened as `openDelivered` opens them. */
    async fetchCredentials(accounts: { id: string; version: number }[]): Promise<FetchedCredentials> {
      const { json } = await call('POST', '/api/v1/agent/credentials', { auth: true, body: { accounts } });
      return openDelivered(credentialsResponse.parse(json).items);
    },
  };

  /**
   * Delivered envelopes opened with this agent's key. One that does not open (tampered with, or sealed to
   * another key) or holds another account is left out and named in `unopened`; the rest stand.
   */
  function openDelivered(items: z.infer<typeof credentialsResponse>['items']): FetchedCredentials {
    const out: FetchedCredentials = { opened: [], unopened: [] };
    for (const i of items) {
      const which = { accountId: i.accountId, version: i.version };
      let plain: string;
      try {
        plain = openSealed(
          opts.identity.sealingKey,
          i.envelope,
          credentialAad(agentId!, i.accountId, i.version),
        ).toString('utf8');
      } catch (err) {
        out.unopened.push({ ...which, reason: (err as Error).message });
        continue;
      }
      // No parse error is kept: the text may hold a secret.
      const opened = openedCredentialSchema.safeParse(parseJson(plain));
      if (opened.success && opened.data.accountId === i.accountId && opened.data.version === i.version)
        out.opened.push(opened.data);
      else
        out.unopened.push({
          ...which,
          reason: 'It does not hold the credential of this account and version.',
        });
    }
    return out;
  }
}
