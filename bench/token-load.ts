// The job side of the tokens benchmark, in a process of its own so the endpoint's process does not also carry
// the callers: `tsx bench/token-load.ts '<json>'` asks the endpoint for tokens as many jobs at once would and
// prints the load generator's result as JSON. Audiences are distinct per request (cache misses) unless
// `audience` names one (cache hits).
import { runLoad } from './load-generator.js';

interface TokenLoad {
  url: string;
  header: string;
  requests: number;
  concurrency: number;
  /** Every request asks for this audience; absent: request i asks for api://audience-{offset + i}. */
  audience?: string;
  offset?: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as TokenLoad;
const result = await runLoad({
  baseUrl: o.url,
  concurrency: o.concurrency,
  maxRequests: o.requests,
  maxSeconds: 120,
  call: (i) => ({
    method: 'GET',
    path: `/msi/token?resource=${encodeURIComponent(o.audience ?? `api://audience-${(o.offset ?? 0) + i}`)}`,
    headers: { 'x-identity-header': o.header },
  }),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
