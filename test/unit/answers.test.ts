import { describe, expect, it } from 'vitest';
import { TimelineQuery } from '../../src/observe/query.js';
import type { TimelineRecord } from '../../src/observe/records.js';
import { readTimeline } from '../../src/observe/timeline.js';
import { answerClauses, composeAnswer } from '../../src/scenario/answer.js';
import { loadScenarios, recordedRunOf } from '../../src/scenario/registry.js';
import type { AnyScenario, ExpectationResult } from '../../src/scenario/types.js';
import { unknown } from '../../src/scenario/verdict.js';
import { dryRun } from '../../src/run/dry-run.js';
import type { AnyWorkload, Deployment } from '../../src/workload/workload.js';

/**
 * A scenario's answer may say only what an expectation checked. Each
 * scenario's checks are run over a timeline it really recorded
 * (its recorded run, kept beside its file: recordedRunOf) and over the same timeline with
 * every answer turned round (whom a node sees, whether it is Healthy, its
 * metrics; no TLS alerts), and the answer must follow each expectation's verdict, clause by
 * clause, either way.
 */

const scenarios = [...(await loadScenarios()).values()];

describe("every scenario's answer", () => {
  it('exists for every scenario, each clause naming one of its expectations', () => {
    for (const scenario of scenarios) {
      const ids = scenario.expectations.map((e) => e.id);
      expect(answerClauses(scenario).length, `${scenario.name} has no answer`).toBeGreaterThan(0);
      for (const clause of answerClauses(scenario)) {
        expect(ids, `${scenario.name}: clause for ${clause.expectation}`).toContain(clause.expectation);
        expect(
          clause.pass.includes(clause.fail) || clause.fail.includes(clause.pass),
          `${scenario.name}: ${clause.expectation}'s two texts cannot be told apart`,
        ).toBe(false);
      }
    }
  });

  for (const scenario of scenarios) {
    it(`${scenario.name}: follows its expectations' verdicts on a recorded timeline and on its opposite`, async () => {
      const recorded = await readTimeline(recordedRunOf(scenario));
      const start = recorded.find((r) => r.kind === 'run' && r.event === 'start')!.t;
      const fixtures = await scenario.setup(new Date(start));
      // The handles its checks read: those its run returns, here from the run played without a cluster.
      const deployment = (scenario.workload as AnyWorkload).deploy(fixtures.cluster) as Deployment<object>;
      const handles = (await dryRun(scenario, fixtures, deployment))?.handles;
      const verdictsSeen = new Set<string>();
      for (const timeline of [recorded, opposite(recorded)]) {
        const results = judge(scenario, timeline, fixtures, handles);
        const titles = Object.fromEntries(scenario.expectations.map((e) => [e.id, e.title]));
        const answer = composeAnswer(answerClauses(scenario), results, titles);
        for (const clause of answerClauses(scenario)) {
          const { verdict, observed } = results[clause.expectation]!;
          verdictsSeen.add(verdict);
          expect(answer.includes(clause.pass), `${clause.expectation} ${verdict}: "${answer}"`).toBe(verdict === 'pass');
          expect(answer.includes(clause.fail), `${clause.expectation} ${verdict}: "${answer}"`).toBe(verdict === 'fail');
          expect(answer).toContain(observed);
        }
      }
      // Both outcomes were exercised: the recorded run passed, and its opposite did not.
      expect(verdictsSeen.has('pass')).toBe(true);
      expect([...verdictsSeen].some((v) => v !== 'pass')).toBe(true);
    }, 60_000);
  }
});

function judge(scenario: AnyScenario, records: readonly TimelineRecord[], fixtures: unknown, handles: unknown): Record<string, ExpectationResult> {
  const q = new TimelineQuery(records);
  return Object.fromEntries(
    scenario.expectations.map((e) => {
      try {
        return [e.id, e.check(q, fixtures, handles)];
      } catch (error) {
        return [e.id, unknown(`the check threw: ${(error as Error).message}`)];
      }
    }),
  );
}

/** The timeline with every probe's answer turned round: a node sees exactly those it did not, Healthy is Unhealthy, every metric negated, and no TLS alert was logged. */
function opposite(records: readonly TimelineRecord[]): TimelineRecord[] {
  const nodes = [...new Set(records.flatMap((r) => (r.kind === 'state' && r.peers ? [r.node] : [])))];
  return records.flatMap((r): TimelineRecord[] => {
    if (r.kind === 'state' && r.peers)
      return [{ ...r, ok: true, noAnswer: undefined, peers: nodes.filter((n) => n !== r.node && !r.peers!.includes(n)) }];
    if (r.kind === 'state') return [{ ...r, ok: !r.ok, noAnswer: undefined }];
    if (r.kind === 'metrics') return [{ ...r, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, -v])) }];
    if (r.kind === 'alert') return [];
    return [r];
  });
}
