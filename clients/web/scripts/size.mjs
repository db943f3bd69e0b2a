// Fails the build when the JavaScript shipped to phones grows past its budget (150 KB gzipped).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const budget = 150 * 1024;
const dir = new URL('../dist/', import.meta.url).pathname;
let total = 0;
const walk = (d) => {
  for (const entry of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (p.endsWith('.js')) total += gzipSync(readFileSync(p), { level: 9 }).length;
  }
};
walk(dir);
console.log(`web app: ${(total / 1024).toFixed(1)} KB of JavaScript gzipped (budget 150 KB)`);
if (total > budget) {
  console.error('over the budget');
  process.exit(1);
}
