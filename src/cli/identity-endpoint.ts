// Inside a job: a token from the job's IDENTITY_ENDPOINT (Azure's App Service protocol, 2019-08-01), proved
// with IDENTITY_HEADER — what `steward token get` prints and `steward login --identity` keeps.
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

export interface IdentitySelection {
  clientId?: string;
  principalId?: string;
  resourceId?: string;
}

export interface EndpointToken {
  access_token: string;
  expires_on: string;
  resource: string;
  token_type: string;
  client_id: string;
}

export async function tokenFromJobEndpoint(
  ctx: CliContext,
  resource: string,
  who: IdentitySelection,
  command: string,
): Promise<EndpointToken> {
  const endpoint = ctx.env.IDENTITY_ENDPOINT;
  const header = ctx.env.IDENTITY_HEADER;
  if (!endpoint || !header)
    throw CliError.fromCode(
      'VALIDATION_FAILED',
      `${command} runs inside a job: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set here.`,
    );
  const query = new URLSearchParams({ resource, 'api-version': '2019-08-01' });
  if (who.clientId) query.set('client_id', who.clientId);
  if (who.principalId) query.set('principal_id', who.principalId);
  if (who.resourceId) query.set('mi_res_id', who.resourceId);
  let res: Response;
  try {
    res = await fetch(`${endpoint}?${query}`, { headers: { 'X-IDENTITY-HEADER': header } });
  } catch {
    throw new CliError(`The identity endpoint ${endpoint} does not answer.`, 1, 'UNAVAILABLE');
  }
  const body = (await res.json().catch(() => ({}))) as Partial<EndpointToken> & {
    error?: string;
    error_description?: string;
  };
  if (!res.ok || typeof body.access_token !== 'string')
    throw CliError.fromCode(
      res.status === 401 ? 'UNAUTHENTICATED' : 'VALIDATION_FAILED',
      body.error_description ?? `HTTP ${res.status}`,
    );
  return body as EndpointToken;
}
