// Prints the console's first load: what a browser fetches to show the first page after sign-in, as sent (gzipped).
import { FIRST_LOAD_BUDGET_BYTES, firstLoad } from './console-first-load.js';

const { files, sent } = firstLoad();
for (const f of files) console.log(`${(f.sent / 1024).toFixed(1).padStart(8)} KiB  ${f.path}`);
console.log(
  `${(sent / 1024).toFixed(1).padStart(8)} KiB  first load as sent, gzipped: ${sent} bytes (budget: ${FIRST_LOAD_BUDGET_BYTES})`,
);
if (sent > FIRST_LOAD_BUDGET_BYTES) process.exitCode = 1;
