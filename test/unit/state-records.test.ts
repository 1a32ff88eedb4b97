import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseTimeline } from '../../src/observe/timeline.js';
import { attributeText, stateText } from '../../src/report/format.js';
import { ETCD_ATTRIBUTES } from '../../src/workload/etcd/view.js';
import { etcd } from '../../src/workload/etcd/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('state records: one for every workload', () => {
  it('reads a timeline of the older kinds (membership, health) as state records, the workload fields as attributes', () => {
    const old = [
      {
        t: '2026-11-23T03:00:01.000Z',
        kind: 'membership',
        node: 'node1',
        up: true,
        sees: ['node2'],
        nodeTime: '2027-01-01T00:00:00.000Z',
        caNotAfter: '2026-12-01T00:00:00.000Z',
      },
      {
        t: '2026-11-23T03:00:02.000Z',
        sentAt: '2026-11-23T03:00:01.500Z',
        kind: 'membership',
        node: 'node2',
        up: false,
        sees: [],
        error: 'no answer within 3 s',
        noAnswer: true,
      },
      {
        t: '2026-11-23T03:00:03.000Z',
        kind: 'health',
        node: 'etcd-a',
        view: 'etcdctl',
        viewLabel: 'etcdctl',
        healthy: true,
        leader: 'etcd-b',
        raftTerm: 3,
        members: ['etcd-a', 'etcd-b'],
      },
      { t: '2026-11-23T03:00:04.000Z', kind: 'step', id: 'jump', startedAt: '2026-11-23T03:00:03.500Z', title: 'jump' },
    ];
    const records = parseTimeline(old.map((r) => JSON.stringify(r)).join('\n'));
    expect(records).toEqual([
      {
        t: '2026-11-23T03:00:01.000Z',
        kind: 'state',
        node: 'node1',
        view: 'membership',
        ok: true,
        peers: ['node2'],
        nodeTime: '2027-01-01T00:00:00.000Z',
        attributes: { caNotAfter: '2026-12-01T00:00:00.000Z' },
      },
      {
        t: '2026-11-23T03:00:02.000Z',
        sentAt: '2026-11-23T03:00:01.500Z',
        kind: 'state',
        node: 'node2',
        view: 'membership',
        ok: false,
        noAnswer: true,
        peers: [],
        error: 'no answer within 3 s',
      },
      {
        t: '2026-11-23T03:00:03.000Z',
        kind: 'state',
        node: 'etcd-a',
        view: 'etcdctl',
        viewLabel: 'etcdctl',
        ok: true,
        attributes: { leader: 'etcd-b', raftTerm: 3, members: ['etcd-a', 'etcd-b'] },
      },
      old[3],
    ]);
  });

  it('shows the attributes a workload describes, in its words and order, and leaves the others out', () => {
    const sample = { ok: true, attributes: { members: ['etcd-a'], raftTerm: 2, leader: 'etcd-a' } };
    expect(etcd.attributes).toBe(ETCD_ATTRIBUTES);
    expect(stateText(sample, ETCD_ATTRIBUTES)).toBe('Healthy (leader etcd-a, term 2)');
    expect(stateText({ ...sample, ok: false, error: 'context deadline exceeded' }, ETCD_ATTRIBUTES)).toBe(
      'Unhealthy: context deadline exceeded (leader etcd-a, term 2)',
    );
    expect(attributeText(sample, ETCD_ATTRIBUTES, true)).toBe('leader etcd-a');
    expect(stateText(sample)).toBe('Healthy');
    expect(stateText({ ok: true, peers: ['b', 'c'], attributes: { caNotAfter: 'x' } })).toBe('sees b, c');
    expect(stateText({ ok: false, peers: [], noAnswer: true })).toBe('no answer');
  });

  it('src/observe, src/report and src/run name no workload: none of their views or attributes appears in the code', async () => {
    // Each workload's own words: etcd's views and attributes, Erlang's and the toy's attributes.
    const WORKLOAD_WORDS = new Set([
      'etcdctl',
      'apiserver',
      'componentstatus',
      'leader',
      'raftTerm',
      'caNotAfter',
      'certNotAfter',
      'erlang',
      'etcd',
      'toy',
    ]);
    const found: string[] = [];
    for (const folder of ['src/observe', 'src/report', 'src/run']) {
      for (const file of (await readdir(join(ROOT, folder), { recursive: true })).filter((f) => f.endsWith('.ts'))) {
        const path = join(folder, file);
        // Identifiers and string literals only: comments may give a workload as an example.
        const source = ts.createSourceFile(path, await readFile(join(ROOT, path), 'utf8'), ts.ScriptTarget.Latest);
        const visit = (node: ts.Node): void => {
          if ((ts.isIdentifier(node) || ts.isStringLiteralLike(node)) && WORKLOAD_WORDS.has(node.text)) found.push(`${path}: ${node.text}`);
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
    expect(found).toEqual([]);
  });
});
