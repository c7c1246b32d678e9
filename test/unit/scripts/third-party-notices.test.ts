import { describe, expect, it } from 'vitest';
import { bundledPackageDirs, thirdPartyNotices } from '../../../scripts/third-party-notices.js';
import { REPO_ROOT } from '../../helpers/run-cli.js';

describe('the third-party notices', () => {
  it('finds the package of each bundled input: scoped, nested, behind a plugin namespace; not our own files', () => {
    expect(bundledPackageDirs([
      'src/cli/swarm.ts',
      'node_modules/yargs/build/lib/yargs-factory.js',
      'node_modules/yargs/index.mjs',
      '../main/node_modules/@azure/core-auth/dist/esm/index.js',
      'slim-undici:/x/node_modules/undici/lib/api/index.js',
      'slim-undici:undici-slim',
      'node_modules/wrap-ansi/node_modules/string-width/index.js',
    ], '/r/wt')).toEqual([
      '/r/main/node_modules/@azure/core-auth',
      '/r/wt/node_modules/wrap-ansi/node_modules/string-width',
      '/r/wt/node_modules/yargs',
      '/x/node_modules/undici',
    ]);
  });

  it('quotes each package\'s licence file under its name, version and licence', () => {
    const text = thirdPartyNotices([`${REPO_ROOT}node_modules/yargs`, `${REPO_ROOT}node_modules/prom-client`]);
    expect(text).toMatch(/\nyargs \d+\.\d+\.\d+ \(MIT\)\n\nMIT License\n/);
    expect(text).toMatch(/\nprom-client \d+\.\d+\.\d+ \(Apache-2\.0\)\n\n[\s\S]*Apache License/);
  });
});
