import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds `dist/` and the bundles in `dist/bundle/` once before the suite, so tests that spawn the
 * real `bin/` entry points run the code under test and not a stale build.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['scripts/build-bundle.js'], { cwd: root, stdio: 'inherit' });
}
