// The job-local endpoint: an HTTP server on the loopback interface of the machine that runs jobs. A job finds it
// in AUTOMATION_ENDPOINT and proves which job it is with AUTOMATION_JOB_TOKEN, a random secret made for that job
// and forgotten when it ends — so the token is useless afterwards, and a job reads only its own account's
// assets. `steward asset get` (and any HTTP client) reads assets here: the Get-AutomationVariable analogue.
// The same server answers the managed-identity token protocol of Azure App Service (2019-08-01) on
// /msi/token, for the job's IDENTITY_ENDPOINT and IDENTITY_HEADER (another per-job secret), so Azure's SDKs
// get tokens for the account's identities unmodified (R61, R62).
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

/** Which identity a job asks a token for (R61): none named ⇒ the account's system-assigned identity. */
export type IdentitySelector =
  | { by: 'system' }
  | { by: 'client_id' | 'principal_id' | 'mi_res_id'; value: string };

export type IdentityTokenAnswer =
  | { kind: 'issued'; accessToken: string; expiresOn: number; resource: string; clientId: string }
  | { kind: 'refused'; error: string; description: string };

export const IDENTITY_TOKEN_PATH = '/msi/token';
export const IDENTITY_API_VERSION = '2019-08-01';
const MAX_FORM_BYTES = 8192;

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

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
const problem = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message } });

/** Azure's error body on the token endpoint: `error` and `error_description`, never a token. */
const tokenProblem = (res: ServerResponse, status: number, error: string, description: string) =>
  send(res, status, { error, error_description: description });

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        ok(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', fail);
  });
}

export async function startJobEndpoint(d: JobEndpointDeps): Promise<JobEndpoint> {
  const jobs = new Map<string, JobIdentity>();
  const identityHeaders = new Map<string, JobIdentity>();

  async function handleToken(req: IncomingMessage, res: ServerResponse, url: URL) {
    const header = req.headers['x-identity-header'];
    const job = typeof header === 'string' ? identityHeaders.get(header) : undefined;
    if (!job)
      return tokenProblem(res, 401, 'unauthorized_client', 'No X-IDENTITY-HEADER, or the job has ended.');
    if (!d.identityToken) return tokenProblem(res, 404, 'not_found', 'Identity tokens are not served here.');
    const metadata = req.headers.metadata;
    // Q11: `Metadata: true` in any case is accepted here (not demanded: Azure's App Service protocol omits it).
    if (metadata !== undefined && String(metadata).toLowerCase() !== 'true')
      return tokenProblem(res, 400, 'invalid_request', "The Metadata header, when sent, must be 'true'.");
    if (req.headers['x-forwarded-for'] !== undefined)
      return tokenProblem(
        res,
        400,
        'invalid_request',
        'Requests through a proxy (X-Forwarded-For) are refused.',
      );
    let params = url.searchParams;
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded')
        return tokenProblem(
          res,
          400,
          'invalid_request',
          'POST a form: Content-Type application/x-www-form-urlencoded.',
        );
      const form = await readForm(req);
      if (!form)
        return tokenProblem(res, 400, 'invalid_request', `The form is over ${MAX_FORM_BYTES} bytes.`);
      params = new URLSearchParams([...url.searchParams, ...form]);
    } else if (req.method !== 'GET')
      return tokenProblem(res, 405, 'invalid_request', 'Use GET with a query string, or POST a form.');
    for (const k of new Set(params.keys()))
      if (params.getAll(k).length > 1) return tokenProblem(res, 400, 'invalid_request', `Give ${k} once.`);
    const apiVersion = params.get('api-version');
    // Q9: api-version may be left out, as Automation's samples do.
    if (apiVersion !== null && apiVersion !== IDENTITY_API_VERSION)
      return tokenProblem(
        res,
        400,
        'invalid_request',
        `api-version '${apiVersion.slice(0, 40)}' is not supported: use ${IDENTITY_API_VERSION} or leave it out.`,
      );
    const resource = params.get('resource');
    if (!resource) return tokenProblem(res, 400, 'invalid_request', 'Name the audience in resource.');
    if (resource.length > 2048 || [...resource].some((c) => c.charCodeAt(0) < 0x20))
      return tokenProblem(
        res,
        400,
        'invalid_request',
        'resource is over 2048 characters or holds control characters.',
      );
    const given = (['client_id', 'principal_id', 'object_id', 'mi_res_id'] as const).filter((k) =>
      params.get(k),
    );
    if (given.length > 1)
      return tokenProblem(
        res,
        400,
        'invalid_request',
        `Give at most one of client_id, principal_id (object_id) and mi_res_id, not ${given.join(' and ')}.`,
      );
    const by = given[0];
    const selector: IdentitySelector = !by
      ? { by: 'system' }
      : { by: by === 'object_id' ? 'principal_id' : by, value: params.get(by)! };
    const answer = await d.identityToken(job, selector, resource);
    if (answer.kind === 'refused') return tokenProblem(res, 400, answer.error, answer.description);
    send(res, 200, {
      access_token: answer.accessToken,
      expires_on: String(answer.expiresOn),
      resource: answer.resource,
      token_type: 'Bearer',
      client_id: answer.clientId,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === IDENTITY_TOKEN_PATH) return handleToken(req, res, url);
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
