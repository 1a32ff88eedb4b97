import { describe, expect, it } from 'vitest';
import { renderSuite, type SuiteEntry } from '../../src/report/suite.js';
import { defineScenario, type Verdict } from '../../src/scenario/types.js';
import { erlang } from '../../src/workload/erlang/index.js';

function entry(name: string, results: { id: string; verdict: Verdict; observed: string }[], findings?: string): SuiteEntry {
  return {
    scenario: defineScenario({
      name,
      description: `${name} described`,
      workload: erlang,
      setup: () => ({ cluster: { nodes: [] } }),
      run: async () => {},
      expectations: results.map((r) => ({
        id: r.id,
        title: `${r.id} title`,
        basis: 'b',
        check: () => ({ verdict: r.verdict, observed: r.observed, evidence: [] }),
      })),
      answer: results.map((r) => ({ expectation: r.id, pass: `${r.id} held`, fail: `${r.id} did not hold` })),
    }),
    dir: name,
    result: {
      outcome: 'completed',
      expectations: results.map((r) => ({
        id: r.id,
        title: `${r.id} title`,
        basis: 'b',
        result: { verdict: r.verdict, observed: r.observed, evidence: [] },
      })),
    },
    findings,
    timeline: [{ t: '2026-11-23T03:00:00.000Z', kind: 'versions', versions: { OTP: '25.2.3', libfaketime: '0.9.10-2.1' } }],
  };
}

describe('renderSuite', () => {
  const markdown = renderSuite({
    questions: erlang.questions,
    platform: 'docker',
    elsewhere: [{ name: 'erlang-cert-manager-incident', platforms: ['kind'] }],
    startedAt: '2026-11-23T03:00:00.000Z',
    endedAt: '2026-11-23T03:05:00.000Z',
    outcome: 'completed',
    entries: [
      entry(
        'erlang-ca-expiry',
        [{ id: 'a', verdict: 'pass', observed: 'held' }],
        '# certdrill findings: erlang-ca-expiry\n\n| PASS | [a title](#a) |\n\n### a\n\n- [timeline.jsonl](timeline.jsonl)\n',
      ),
      entry('erlang-preflight', [{ id: 'b', verdict: 'fail', observed: 'did not' }]),
    ],
  });

  it('answers each incident question from the run, flagging what was not as expected', () => {
    expect(markdown).toContain('**Did clustering break when the CA expired, or only at the next restart?**');
    expect(markdown).toContain('- a held (held). — [erlang-ca-expiry](#erlang-ca-expiry)');
    expect(markdown).toContain('- b did not hold (did not). (Not as expected: b.) — [erlang-preflight](#erlang-preflight)');
    expect(markdown).toContain('- not run in this suite (erlang-restart-after-expiry)');
    expect(markdown).toContain('- runs on kind only: not run on docker (erlang-cert-manager-incident)');
  });

  it('tables every expectation and gives the versions', () => {
    expect(markdown).toContain('**1 of 2 expectations hold; 1 does not** across 2 scenarios');
    expect(markdown).toContain('| [erlang-preflight](#erlang-preflight) | **FAIL** | b title | did not |');
    expect(markdown).toContain('Versions: OTP 25.2.3, libfaketime 0.9.10-2.1.');
  });

  it("embeds each scenario's report a level down, its links into its folder", () => {
    expect(markdown).toContain('## certdrill findings: erlang-ca-expiry');
    expect(markdown).toContain('[a title](#erlang-ca-expiry-a)');
    expect(markdown).toContain('<a id="erlang-ca-expiry-a"></a>');
    expect(markdown).toContain('[timeline.jsonl](erlang-ca-expiry/timeline.jsonl)');
  });
});

describe("renderSuite's versions", () => {
  it('names every version of a component the scenarios ran, each once', () => {
    const ran = (name: string, manager: string): SuiteEntry => ({
      ...entry(name, [{ id: 'a', verdict: 'pass', observed: 'held' }]),
      timeline: [{ t: '2026-12-06T20:00:00.000Z', kind: 'versions', versions: { etcd: '3.4.23', 'etcd-manager': manager } }],
    });
    const markdown = renderSuite({
      questions: [],
      platform: 'docker',
      startedAt: '2026-12-06T20:00:00.000Z',
      endedAt: '2026-12-06T20:05:00.000Z',
      outcome: 'completed',
      entries: [ran('x', '3.0.20200116'), ran('y', '3.0.20200428'), ran('z', '3.0.20200116'), ran('w', 'v3.0.20260707')],
    });
    expect(markdown).toContain('Versions: etcd 3.4.23, etcd-manager 3.0.20200116, 3.0.20200428 and v3.0.20260707.');
  });
});
