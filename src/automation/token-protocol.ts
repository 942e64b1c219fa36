// The managed-identity token protocols Steward answers, as Azure's clients speak them: App Service 2019-08-01
// (IDENTITY_ENDPOINT and X-IDENTITY-HEADER, R61/R62), its 2017-09-01 predecessor (MSI_ENDPOINT and the `secret`
// header, R63) and the VM metadata service (IMDS, R64). One reader of a request and one answer per dialect;
// the endpoints that serve them only decide who asks (a job, a computer) and who signs.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type TokenDialect = 'app-service-2019' | 'app-service-2017' | 'imds';

/** Which identity a caller asks a token for (R61): none named ⇒ the system-assigned identity. */
export type IdentitySelector =
  | { by: 'system' }
  | { by: 'client_id' | 'principal_id' | 'mi_res_id'; value: string };

export type IdentityTokenAnswer =
  | {
      kind: 'issued';
      accessToken: string;
      /** Unix seconds. */
      expiresOn: number;
      /** Unix seconds; absent: the time of the answer. */
      notBefore?: number;
      resource: string;
      clientId: string;
    }
  | { kind: 'refused'; error: string; description: string };

/** A request read: what to issue, or the error to answer (never a token). */
export type TokenRequest =
  | { kind: 'ask'; selector: IdentitySelector; resource: string }
  | { kind: 'error'; status: number; error: string; description: string };

export const API_VERSION_2019 = '2019-08-01';
export const API_VERSION_2017 = '2017-09-01';
/** The oldest IMDS api-version that serves identity tokens; IMDS demands one. */
const IMDS_MIN_API_VERSION = '2018-02-01';
const MAX_FORM_BYTES = 8192;

/** Each dialect's names of the selectors (R61; 2017 spells the client id `clientid`, IMDS the resource id `msi_res_id`). */
const selectorNames: Record<TokenDialect, Record<string, 'client_id' | 'principal_id' | 'mi_res_id'>> = {
  'app-service-2019': {
    client_id: 'client_id',
    principal_id: 'principal_id',
    object_id: 'principal_id',
    mi_res_id: 'mi_res_id',
  },
  'app-service-2017': { clientid: 'client_id', principal_id: 'principal_id', mi_res_id: 'mi_res_id' },
  imds: {
    client_id: 'client_id',
    object_id: 'principal_id',
    principal_id: 'principal_id',
    msi_res_id: 'mi_res_id',
    mi_res_id: 'mi_res_id',
  },
};

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
};

/** Azure's error body on every token endpoint: `error` and `error_description`, never a token. */
export const sendTokenError = (
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers = {},
) => sendJson(res, status, { error, error_description: description }, headers);

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

const bad = (description: string, error = 'invalid_request'): TokenRequest => ({
  kind: 'error',
  status: 400,
  error,
  description,
});

/** The api-version rule of each dialect (Q9: the App Service ones may leave it out; IMDS demands one). */
function apiVersionProblem(dialect: TokenDialect, v: string | null): string | undefined {
  const shown = v?.slice(0, 40);
  if (dialect === 'imds') {
    if (v === null) return 'Required query variable api-version is missing.';
    return /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= IMDS_MIN_API_VERSION
      ? undefined
      : `api-version '${shown}' is not supported: use ${IMDS_MIN_API_VERSION} or later.`;
  }
  const wanted = dialect === 'app-service-2019' ? API_VERSION_2019 : API_VERSION_2017;
  return v === null || v === wanted
    ? undefined
    : `api-version '${shown}' is not supported: use ${wanted} or leave it out.`;
}

/**
 * Reads a token request in `dialect`, after the endpoint has checked who asks. Headers, method, parameters
 * and their limits are the protocol's; nothing of the request is echoed but short parameter names.
 */
export async function readTokenRequest(
  req: IncomingMessage,
  url: URL,
  dialect: TokenDialect,
): Promise<TokenRequest> {
  const metadata = req.headers.metadata;
  if (dialect === 'imds') {
    // Q11: the metadata endpoint demands `Metadata: true`, lower-case, as IMDS does (its bad_request_102).
    if (metadata !== 'true') return bad('Required metadata header not specified', 'bad_request_102');
  } else if (metadata !== undefined && String(metadata).toLowerCase() !== 'true')
    // Q11: `Metadata: true` in any case is accepted on the job endpoint (not demanded: App Service omits it).
    return bad("The Metadata header, when sent, must be 'true'.");
  if (req.headers['x-forwarded-for'] !== undefined)
    return bad('Requests through a proxy (X-Forwarded-For) are refused.');
  let params = url.searchParams;
  if (req.method === 'POST' && dialect !== 'imds') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return bad('POST a form: Content-Type application/x-www-form-urlencoded.');
    const form = await readForm(req);
    if (!form) return bad(`The form is over ${MAX_FORM_BYTES} bytes.`);
    params = new URLSearchParams([...url.searchParams, ...form]);
  } else if (req.method !== 'GET')
    return {
      kind: 'error',
      status: 405,
      error: 'invalid_request',
      description: dialect === 'imds' ? 'Use GET.' : 'Use GET with a query string, or POST a form.',
    };
  for (const k of new Set(params.keys())) if (params.getAll(k).length > 1) return bad(`Give ${k} once.`);
  const versionProblem = apiVersionProblem(dialect, params.get('api-version'));
  if (versionProblem) return bad(versionProblem);
  const resource = params.get('resource');
  if (!resource) return bad('Name the audience in resource.');
  if (resource.length > 2048 || [...resource].some((c) => c.charCodeAt(0) < 0x20))
    return bad('resource is over 2048 characters or holds control characters.');
  const names = selectorNames[dialect];
  const given = Object.keys(names).filter((k) => params.get(k));
  if (given.length > 1)
    return bad(`Give at most one of ${Object.keys(names).join(', ')}, not ${given.join(' and ')}.`);
  const name = given[0];
  const value = name ? params.get(name)! : '';
  if (value.length > 1024 || [...value].some((c) => c.charCodeAt(0) < 0x20))
    return bad(`${name} is over 1024 characters or holds control characters.`);
  const selector: IdentitySelector = name ? { by: names[name]!, value } : { by: 'system' };
  return { kind: 'ask', selector, resource };
}

const two = (n: number) => String(n).padStart(2, '0');

/** App Service 2017-09-01's `expires_on`: `MM/DD/YYYY HH:mm:ss +00:00` in UTC, as Azure answered it. */
export function appService2017Date(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +00:00`;
}

/** The 200 body of an issued token in `dialect` (R62); `nowSeconds` for IMDS's relative fields. */
export function tokenBody(
  dialect: TokenDialect,
  t: Extract<IdentityTokenAnswer, { kind: 'issued' }>,
  nowSeconds: number,
): Record<string, string> {
  if (dialect === 'app-service-2017')
    return {
      access_token: t.accessToken,
      expires_on: appService2017Date(t.expiresOn),
      resource: t.resource,
      token_type: 'Bearer',
    };
  const base = {
    access_token: t.accessToken,
    expires_on: String(t.expiresOn),
    resource: t.resource,
    token_type: 'Bearer',
    client_id: t.clientId,
  };
  if (dialect === 'app-service-2019') return base;
  const expiresIn = String(Math.max(0, t.expiresOn - nowSeconds));
  return {
    ...base,
    refresh_token: '',
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    not_before: String(t.notBefore ?? nowSeconds),
  };
}

/** Reads the request, asks `issue`, and answers in `dialect`: the token, or the protocol's error. */
export async function serveToken(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dialect: TokenDialect,
  issue: (selector: IdentitySelector, resource: string) => Promise<IdentityTokenAnswer>,
): Promise<void> {
  const ask = await readTokenRequest(req, url, dialect);
  if (ask.kind === 'error') return sendTokenError(res, ask.status, ask.error, ask.description);
  const answer = await issue(ask.selector, ask.resource);
  if (answer.kind === 'refused') return sendTokenError(res, 400, answer.error, answer.description);
  sendJson(res, 200, tokenBody(dialect, answer, Math.floor(Date.now() / 1000)));
}
