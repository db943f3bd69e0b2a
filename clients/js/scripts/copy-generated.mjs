// tsc compiles the .ts sources; the generated codec is plain JS: copy it (and its types) into
// dist/ beside what imports it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(pkg, 'dist', 'gen'), { recursive: true });
for (const file of ['proto.js', 'proto.d.ts']) {
  copyFileSync(join(pkg, 'src', 'gen', file), join(pkg, 'dist', 'gen', file));
}
