import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import { erlang, erlangCluster } from '../src/workload/erlang/index.js';
import { membershipSamples } from '../src/workload/membership-view.js';
import { staysAlone, windowAfter } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { allOf, verdictOf } from '../src/scenario/verdict.js';

const NODES = ['node1', 'node2', 'node3'];
const DAY = 86_400;
const SILENT = 'node2';
const LOUD = 'node3';

export default defineScenario({
  name: 'erlang-preflight',
  summary: "An init container's pre-flight check refuses a node whose certificate or CA has expired or soon will.",
  workload: erlang,
  description:
    "A pre-flight check (what a Kubernetes init container runs) that refuses to start a node whose certificate or CA is not valid, or expires within a margin. First a margin wider than the CA's remaining life, then a narrower one; then, after the CA expires, one node restarts without the check and one with it.",
  question: 'Can a pod refuse to start when its certificate or the CA has expired, so the failure is loud instead of silent?',

  setup: (reference) => ({ cluster: erlangCluster({ reference, nodes: NODES }) }),

  async run(s) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const wideMargin = await s.restart('node1', { id: 'preflight-wide-margin', preflight: 40 * DAY });
    await s.observe(3_000, 'the CA has 30 days left, the margin is 40: does node1 refuse to start?');
    const narrowMargin = await s.restart('node1', { id: 'preflight-narrow-margin', preflight: 7 * DAY });
    const meshAgain = await s.waitFor('mesh-again', 'wait for the full mesh with a 7-day margin', (view) => view.fullMesh(), { timeoutMs: 20_000 });
    await s.jumpClocks(s.nodes, '+31d');
    const restartSilent = await s.restart(SILENT, { id: 'restart-silent', preflight: false });
    const restartLoud = await s.restart(LOUD, { id: 'restart-loud', preflight: 0 });
    await s.observe({ minMs: 3_000, maxMs: 6_000, stableSamples: 4 }, `the CA has expired: ${SILENT} restarts without the check, ${LOUD} with it`);
    return { wideMargin, narrowMargin, meshAgain, restartSilent, restartLoud };
  },

  expectations: [
    {
      id: 'loud-with-check',
      title: `with the check, ${LOUD} refuses to start, saying the CA has expired`,
      basis: "the check compares the CA's notAfter with the node's clock before the node starts",
      answer: {
        pass: 'Yes: after the CA expired, the pre-flight check refused to start the node with a one-line reason',
        fail: 'No: the pre-flight check did not refuse the node loudly',
      },
      check: (q, _, { restartLoud }) => refused(q, LOUD, { restart: restartLoud, reason: 'CA CN=cluster-ca expired at' }),
    },
    {
      id: 'silent-without-check',
      title: `without the check, ${SILENT} starts after the CA expired and runs alone: nothing at start says why`,
      basis: 'incident: the restarted pods ran but no longer clustered',
      answer: { pass: 'Without it the node started and silently ran alone', fail: 'Without the check the node did not run silently alone' },
      check: (q, _, { restartSilent, restartLoud }): ExpectationResult => {
        const window = windowAfter(q, restartSilent, restartLoud);
        const alone = staysAlone(q, SILENT, {
          others: NODES.filter((n) => n !== SILENT),
          window: { after: q.step(restartSilent).t },
          label: 'after its restart',
        });
        const preflight = q.logs({ node: SILENT, topic: 'preflight', ...window });
        return {
          verdict: allOf(alone.verdict, verdictOf(preflight.length === 0)),
          observed: `${alone.observed}; ${preflight.length === 0 ? 'no pre-flight line' : 'a pre-flight line was logged'}`,
          evidence: alone.evidence,
        };
      },
    },
    {
      id: 'refuses-within-margin',
      title: 'with a 40-day margin, node1 refuses to start: a one-line reason naming the CA, and no node answers',
      basis: 'the check refuses a CA that expires within the margin, before the node starts',
      answer: {
        pass: 'A margin makes it refuse before the expiry: 40 days refused while the CA had 30 left',
        fail: 'A 40-day margin did not make it refuse while the CA had 30 days left',
      },
      check: (q, _, { wideMargin, narrowMargin }) => refused(q, 'node1', { restart: wideMargin, until: narrowMargin, reason: 'within the' }),
    },
    {
      id: 'passes-and-rejoins',
      title: 'with a 7-day margin, the check passes and node1 rejoins the cluster',
      basis: 'the CA has 30 days left, more than the margin',
      answer: { pass: 'With a 7-day margin the check passed and the node rejoined', fail: 'A 7-day margin did not let the node rejoin' },
      check: (q, _, { narrowMargin, meshAgain }): ExpectationResult => {
        const ok = q.logs({ node: 'node1', topic: 'preflight', after: q.step(narrowMargin).startedAt }).find((l) => l.text.includes('preflight: ok'));
        const wait = q.step(meshAgain);
        return {
          verdict: verdictOf(!!ok && wait.outcome === 'met'),
          observed: `${ok ? 'the check passed' : 'no "ok" from the check'}; ${wait.outcome === 'met' ? 'full mesh again' : 'no full mesh'}`,
          evidence: [...(ok ? [ok] : []), wait],
        };
      },
    },
  ],
});

/** After the restart (until the next step given), the node's pre-flight check refused to start it, saying `reason`, and it never answered. */
function refused(
  q: TimelineQuery,
  node: string,
  { restart, until, reason }: { restart: StepHandle; until?: StepHandle; reason: string },
): ExpectationResult {
  const window = windowAfter(q, restart, until);
  const line = q
    .logs({ node, topic: 'preflight', after: window.from.startedAt, before: window.before })
    .find((l) => l.text.includes('refusing to start'));
  const answered = membershipSamples(q, { ...window, node, ok: true });
  const down = membershipSamples(q, { ...window, node, ok: false }).filter((s) => !s.noAnswer);
  const refusedLoudly = !!line && line.text.includes(reason) && answered.length === 0;
  // Probes that got no answer cannot show the node down: with too few that did, the run cannot tell.
  const verdict = !refusedLoudly ? 'fail' : down.length >= 2 ? 'pass' : 'unknown';
  return {
    verdict,
    observed: `${line ? `it said: ${line.text}` : 'no refusal line'}; ${answered.length} answered probe(s), ${down.length} showing it not running`,
    evidence: [...(line ? [line] : []), ...down.slice(0, 1), ...answered.slice(0, 1)],
  };
}
