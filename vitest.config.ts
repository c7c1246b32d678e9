import { defineConfig } from 'vitest/config';

/**
 * Two projects: fast tests run files in parallel; end-to-end tests (several real processes
 * each, some timing-sensitive like swarm origin egress and upload rate) run one file at a time,
 * so they do not starve each other of the machine's two cores.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/integration/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
