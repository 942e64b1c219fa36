// The job-local endpoint: an HTTP server on the loopback interface of the machine that runs jobs. A job finds it
// in AUTOMATION_ENDPOINT and proves which job it is with AUTOMATION_JOB_TOKEN, a random secret made for that job
// and forgotten when it ends — so the token is useless afterwards, and a job reads only its own account's
// assets. `steward asset get` (and any HTTP client) reads assets here: the Get-AutomationVariable analogue.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JOB_TOKEN_HEADER } from '../contract/automation-jobs.js';

export const assetKinds = ['variable', 'credential', 'connection', 'certificate'] as const;
export type JobAssetKind = (typeof assetKinds)[number];

export interface JobIdentity {
  jobId: string;
  automationAccountId: string;
}

/** What the endpoint answers; `notFound` when the account has no such asset. */
export type AssetAnswer = { kind: 'found'; value: unknown } | { kind: 'not-found'; message: string };

export interface JobEndpointDeps {
  readAsset(job: JobIdentity, kind: JobAssetKind, name: string): Promise<AssetAnswer>;
  onError?: (err: unknown) => void;
}

export interface JobEndpoint {
  /** `http://127.0.0.1:<port>`, once listening. */
  url(): string;
  /** A new token for a job; valid until `revoke`. */
  issue(job: JobIdentity): string;
  revoke(token: string): void;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
const problem = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message } });

export async function startJobEndpoint(d: JobEndpointDeps): Promise<JobEndpoint> {
  const jobs = new Map<string, JobIdentity>();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const token = req.headers[JOB_TOKEN_HEADER];
    const job = typeof token === 'string' ? jobs.get(token) : undefined;
    if (!job) return problem(res, 401, 'UNAUTHENTICATED', 'No job token, or the job has ended.');
    if (req.method !== 'GET') return problem(res, 405, 'METHOD_NOT_ALLOWED', 'Only GET is served here.');
    const m = /^\/assets\/([a-z]+)\/([^/?]+)$/.exec(req.url ?? '');
    if (!m)
      return problem(
        res,
        404,
        'NOT_FOUND',
        'Ask for /assets/<variable|credential|connection|certificate>/<name>.',
      );
    const kind = m[1] as JobAssetKind;
    if (!assetKinds.includes(kind))
      return problem(
        res,
        404,
        'NOT_FOUND',
        `There is no asset kind '${kind}': variable, credential, connection or certificate.`,
      );
    let name: string;
    try {
      name = decodeURIComponent(m[2]!);
    } catch {
      return problem(res, 400, 'VALIDATION_FAILED', 'The asset name is not valid percent-encoding.');
    }
    const answer = await d.readAsset(job, kind, name);
    if (answer.kind === 'not-found') return problem(res, 404, 'NOT_FOUND', answer.message);
    send(res, 200, answer.value);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      d.onError?.(err);
      if (!res.headersSent) problem(res, 500, 'INTERNAL', 'Internal error.');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;

  return {
    url: () => `http://127.0.0.1:${port}`,
    issue(job) {
      const token = randomBytes(32).toString('base64url');
      jobs.set(token, job);
      return token;
    },
    revoke(token) {
      jobs.delete(token);
    },
    close: () =>
      new Promise<void>((ok) => {
        jobs.clear();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
