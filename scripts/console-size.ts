// Prints the console's first load: index.html and every file it references (entry script, styles, preloads), gzipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = join(import.meta.dirname, '../dist/console');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const files = ['/index.html', ...[...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)];
let total = 0;
for (const f of files) {
  const gz = gzipSync(readFileSync(join(dir, f)), { level: 9 }).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(8)} KiB  ${f}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(8)} KiB  first load, gzipped (goal: under 300 KB)`);
