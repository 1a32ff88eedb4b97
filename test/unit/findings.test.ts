import { describe, expect, it } from 'vitest';
import { forgeCa, forgeLeaf } from '../../src/pki/certificate.js';
import { renderFindings, type FindingsInput } from '../../src/report/findings.js';
import { MESH, TimelineBuilder } from '../support/timeline-builder.js';

const ALERT = '2026-12-24T03:00:05.000000+00:00 notice TLS server: In state certify received CLIENT ALERT: Fatal - Certificate Expired | with a pipe';

function input(): FindingsInput {
  const reference = new Date('2026-11-23T03:00:00Z');
  const ca = forgeCa('cluster-ca', { validFor: '30d' }, reference);
  const leaf = forgeLeaf('node1', { ca, validFor: '90d' }, reference);
  const b = new TimelineBuilder();
  b.at(1);
  for (const n of ['node1', 'node2', 'node3']) b.sees(n, MESH[n]!);
  b.at(2).step('jump-clocks', 'jump every clock +31d');
  for (const n of ['node1', 'node2', 'node3']) b.at(3).sees(n, MESH[n]!, 31 * 86400);
  b.at(4)
    .step('restart-node3', 'restart node3', 3.5)
    .at(5)
    .alert('node1', ALERT)
    .alert('node1', ALERT)
    .at(6)
    .sees('node3', [], 31 * 86400)
    .down('node2');
  return {
    scenario: { name: 'demo', description: 'A demo.', question: 'Does it break?' },
    runId: 'r1',
    platform: 'docker',
    startedAt: '2026-11-23T03:00:00.000Z',
    endedAt: '2026-11-23T03:00:07.000Z',
    outcome: 'completed',
    nodes: ['node1', 'node2', 'node3'],
    certificates: [
      { name: 'cluster-ca', role: 'CA', madeBy: ca.madeBy, info: ca.info },
      { name: 'node1', role: 'node certificate of node1', madeBy: leaf.madeBy, info: leaf.info },
    ],
    clocks: [{ node: 'node1', spec: '+0' }],
    timeline: b.records,
    expectations: [
      { id: 'holds', title: 'it holds', basis: 'the spec', result: { verdict: 'pass', observed: 'it held', evidence: [b.records[0]!] } },
      { id: 'breaks', title: 'it breaks', basis: 'the incident', result: { verdict: 'fail', observed: 'it did not', evidence: ['a note'] } },
      {
        id: 'unjudged',
        title: 'it stays up',
        basis: 'the spec',
        result: { verdict: 'unknown', observed: 'only 1 sample: too few to judge', evidence: [] },
      },
    ],
    files: ['timeline.jsonl'],
  };
}

describe('renderFindings', () => {
  const markdown = renderFindings(input());

  it('gives the verdict and an expectations table with PASS, FAIL and UNKNOWN', () => {
    expect(markdown).toContain('**Result: FAIL** — 1 of 3 expectations hold; 1 does not; 1 could not be judged.');
    expect(markdown).toMatch(/\| \*\*UNKNOWN\*\* \(could not judge\) \| \[it stays up\]\(#unjudged\) \| only 1 sample: too few to judge \|/);
    expect(markdown).toMatch(/\| PASS \| \[it holds\]\(#holds\) \| it held \| the spec \|/);
    expect(markdown).toMatch(/\| \*\*FAIL\*\* \| \[it breaks\]\(#breaks\) \| it did not \| the incident \|/);
    expect(markdown).toContain('- a note');
  });

  it("shows each certificate's window as inspected", () => {
    expect(markdown).toMatch(
      /\| cluster-ca \| CA \| CN=cluster-ca, O=certdrill \| .* \| 2026-11-23 03:00:00 UTC \| 2026-12-23 03:00:00 UTC \| valid \| node-forge \|/,
    );
  });

  it("gives membership before and after each step, with real time and the node's clock", () => {
    const jump = markdown.slice(markdown.indexOf('jump every clock +31d'));
    expect(jump).toContain('| node1 | sees node2, node3 | 2026-11-23 03:00:01 | sees node2, node3 | 2026-12-24 03:00:03 |');
    const restart = markdown.slice(markdown.indexOf('### 03:00:03.500 restart node3'));
    expect(restart).toContain('| node3 | sees node1, node2 | 2026-12-24 03:00:03 | sees nobody | 2026-12-24 03:00:06 |');
    expect(restart).toContain('| node2 | sees node1, node3 | 2026-12-24 03:00:03 | down | — |');
  });

  it('counts TLS alerts per node with one verbatim example, escaped for the table', () => {
    expect(markdown).toContain('| node1 | certificate-expired | server, received | 2 |');
    expect(markdown).toContain('Fatal - Certificate Expired \\| with a pipe');
  });

  it('never prints a private key', () => {
    expect(markdown).not.toContain('PRIVATE KEY');
  });

  it('says when a run was interrupted', () => {
    const interrupted = renderFindings({ ...input(), outcome: 'interrupted', error: 'interrupted (Ctrl-C)' });
    expect(interrupted).toContain('**Result: INTERRUPTED**');
    expect(interrupted).toContain('> The run stopped early: interrupted (Ctrl-C)');
  });
});
