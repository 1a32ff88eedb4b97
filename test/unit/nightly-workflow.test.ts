import { readFile } from 'node:fs/promises';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { loadScenarios } from '../../src/scenario/registry.js';

const WORKFLOW = '.github/workflows/nightly.yml';

describe('the nightly workflow', () => {
  it('is valid for GitHub Actions (action-validator, the SchemaStore schema)', async () => {
    const state = validateWorkflow(await readFile(WORKFLOW, 'utf8'));
    expect(state.errors).toEqual([]);
  });

  it('runs every scenario of the incidents\' workloads, and nothing that is not one', async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    const listed = [...text.matchAll(/^\s+- ((?:erlang|etcd)-[a-z-]+)$/gm)].map((m) => m[1]);
    // The example workload (docs/ARCHITECTURE.md) has no versions to compare: the nightly leaves it out.
    const incidents = [...(await loadScenarios()).values()].filter((s) => s.workload.name !== 'toy').map((s) => s.name);
    expect(listed.sort()).toEqual(incidents.sort());
  });

  it('keeps the runs\' private keys out of the artifacts', async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    expect(text.match(/!cells\/\*\*\/pki\//g)).toHaveLength(2);
  });
});
