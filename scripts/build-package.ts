import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `npm pack` ships (run as prepack): src/ and scenarios/ compiled into
 * dist/ by tsc, and beside them, at the same relative places, everything the
 * compiled code reads from disk: the images' build contexts (erlang-app/,
 * each workload's image/, the clock shim's C sources), the kind node image's
 * files, and the base-image script.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const isSource = (path: string) => path.endsWith('.ts') && !path.endsWith('.d.ts');
// A workload's recorded runs are for the project's tests, not for its users.
const isRecordedRun = (path: string) => path.includes('/recorded/');
for (const file of walk(join(root, 'src'))) {
  if (!isSource(file) && !isRecordedRun(file)) cpSync(file, join(dist, relative(root, file)), { preserveTimestamps: true });
}
for (const folder of ['erlang-app', 'kind-node']) cpSync(join(root, folder), join(dist, folder), { recursive: true, preserveTimestamps: true });
cpSync(join(root, 'scripts/base-image.sh'), join(dist, 'scripts/base-image.sh'));
cpSync(join(root, 'scripts/docker-engine.sh'), join(dist, 'scripts/docker-engine.sh'));
chmodSync(join(dist, 'src/cli/certdrill.js'), 0o755);
// The scenarios' list, as `certdrill list --json` prints it: the installed command lists them without loading them.
const list = execFileSync(process.execPath, [join(dist, 'src/cli/certdrill.js'), 'run', '--list', '--json'], { encoding: 'utf8' });
writeFileSync(join(dist, 'scenarios/index.json'), list);
console.log(`dist/: ${walk(dist).length} files`);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
