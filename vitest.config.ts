import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The docker tests count the containers certdrill made: two runs at once would see each other's.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // Real clusters on a real Docker engine; minutes allowed for a first image build.
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        // The same scenarios on a kind cluster (one, shared by the runs, deleted at the end);
        // skipped, with the reason, only where this machine cannot run kind.
        test: {
          name: 'kind',
          include: ['test/kind/**/*.test.ts'],
          testTimeout: 300_000,
          // A run in beforeAll may first build the node image (Go) and create the cluster.
          hookTimeout: 3_600_000,
          globalSetup: ['test/support/kind-teardown.ts'],
        },
      },
    ],
  },
});
