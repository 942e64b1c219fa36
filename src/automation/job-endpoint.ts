// The job-local endpoint: an HTTP server on the loopback interface of the machine that runs jobs. A job finds it
// in AUTOMATION_ENDPOINT and proves which job it is with AUTOMATION_JOB_TOKEN, a random secret made for that job
// and forgotten when it ends — so the token is useless afterwards, and a job reads only its own account's
// assets. `steward asset get` (and any HTTP client) reads assets here: the Get-AutomationVariable analogue.
// The same server answers the managed-identity token protocol of Azure App Service (2019-08-01) on
// /msi/token, for the job's IDENTITY_ENDPOINT and IDENTITY_HEADER (another per-job secret), so Azure's SDKs
// get tokens for the account's identities unmodified (R61, R62), and its 2017-09-01 predecessor on
// /msi/2017/token for MSI_ENDPOINT and MSI_SECRET (R63); the protocols are in token-protocol.ts.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JOB_TOKEN_HEADER } from '../contract/automation-jobs.js';
import {
  type IdentitySelector,
  type IdentityTokenAnswer,
  sendJson,
  sendTokenError,
  serveToken,
  type TokenDialect,
} from './token-protocol.js';

export const assetKinds = ['variable', 'credential', 'connection', 'certificate'] as const;
export type JobAssetKind = (typeof assetKinds)[number];

export interface JobIdentity {
  jobId: string;
  automationAccountId: string;
}

/** What the endpoint answers; `notFound` when the account has no such asset. */
export type AssetAnswer = { kind: 'found'; value: unknown } | { kind: 'not-found'; message: string };

export type { IdentitySelector, IdentityTokenAnswer } from './token-protocol.js';

export const IDENTITY_TOKEN_PATH = '/msi/token';
/** The App Service 2017-09-01 protocol (MSI_ENDPOINT, the `secret` header: R63). */
export const MSI_TOKEN_PATH = '/msi/2017/token';

/**
 * A job's variables for the token endpoints, from its identity secret: IDENTITY_ENDPOINT/IDENTITY_HEADER
 * (2019-08-01) and MSI_ENDPOINT/MSI_SECRET (2017-09-01), the same secret under both names as App Service did.
 */
export function identityEnv(ep: Pick<JobEndpoint, 'url'>, secret: string): Record<string, string> {
  return {
    IDENTITY_ENDPOINT: `${ep.url()}${IDENTITY_TOKEN_PATH}`,
    IDENTITY_HEADER: secret,
    MSI_ENDPOINT: `${ep.url()}${MSI_TOKEN_PATH}`,
    MSI_SECRET: secret,
  };
}

export interface JobEndpointDeps {
  readAsset(job: JobIdentity, kind: JobAssetKind, name: string): Promise<AssetAnswer>;
  /** A token for the job's identity; absent: the token endpoint answers 404. */
  identityToken?(
    job: JobIdentity,
    selector: IdentitySelector,
    resource: string,
  ): Promise<IdentityTokenAnswer>;
  onError?: (err: unknown) => void;
}

export interface JobEndpoint {
  /** `http://127.0.0.1:<port>`, once listening. */
  url(): string;
  /** A new token for a job; valid until `revoke`. */
  issue(job: JobIdentity): string;
  /** A new IDENTITY_HEADER for a job, accepted only by the token endpoint; valid until `revoke`. */
  issueIdentityHeader(job: JobIdentity): string;
  revoke(token: string): void;
  close(): Promise<void>;
}

const problem = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { error: { code, message } });

export async function startJobEndpoint(d: JobEndpointDeps): Promise<JobEndpoint> {
  const jobs = new Map<string, JobIdentity>();
  const identityHeaders = new Map<string, JobIdentity>();

  /** The token protocols: who asks is the job whose secret the header holds (IDENTITY_HEADER = MSI_SECRET). */
  async function handleToken(req: IncomingMessage, res: ServerResponse, url: URL, dialect: TokenDialect) {
    const header = req.headers[dialect === 'app-service-2019' ? 'x-identity-header' : 'secret'];
    const job = typeof header === 'string' ? identityHeaders.get(header) : undefined;
    const name = dialect === 'app-service-2019' ? 'X-IDENTITY-HEADER' : 'secret header';
    if (!job) return sendTokenError(res, 401, 'unauthorized_client', `No ${name}, or the job has ended.`);
    const issue = d.identityToken;
    if (!issue) return sendTokenError(res, 404, 'not_found', 'Identity tokens are not served here.');
    await serveToken(req, res, url, dialect, (selector, resource) => issue(job, selector, resource));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === IDENTITY_TOKEN_PATH) return handleToken(req, res, url, 'app-service-2019');
    if (url.pathname === MSI_TOKEN_PATH) return handleToken(req, res, url, 'app-service-2017');
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
    sendJson(res, 200, answer.value);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      d.onError?.(err);
      if (res.headersSent) return;
      // Token clients read Azure's error body; a 5xx tells them to try again later.
      if ((req.url ?? '').startsWith('/msi/'))
        sendTokenError(res, 500, 'server_error', 'Internal error: try again.');
      else problem(res, 500, 'INTERNAL', 'Internal error.');
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
    issueIdentityHeader(job) {
      const header = randomBytes(32).toString('base64url');
      identityHeaders.set(header, job);
      return header;
    },
    revoke(token) {
      jobs.delete(token);
      identityHeaders.delete(token);
    },
    close: () =>
      new Promise<void>((ok) => {
        jobs.clear();
        identityHeaders.clear();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
