import { pastInstant, utcMinute, type RehearsalShape } from '../../../inventory/rehearsal-shape.js';
import { CERT_MANAGER_DEFAULT_DURATION_MS } from '../../../inventory/types.js';
import type { StepHandle, TimelineQuery } from '../../../observe/query.js';
import { forgeCa, forgeLeaf } from '../../../pki/certificate.js';
import { staysAlone, stayFullyConnected, windowAfter } from '../../../scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../../../scenario/types.js';
import { fail, pass, unknown } from '../../../scenario/verdict.js';
import { erlang, type ErlangSetup } from '../index.js';
import { membershipSamples } from '../../membership-view.js';

/**
 * A rehearsal of a real cluster's chain on the Erlang workload (npm run
 * rehearse): three nodes get certificates forged anew with the real windows
 * (the CA's, and the leaves' in turn), start clustered at real time, and the
 * clocks are walked to just after each upcoming expiry. At each, the running
 * cluster is watched, then one node is restarted with its certificate as it
 * is, as a pod restart would: does it rejoin?
 *
 * Expectations are what TLS predicts: an established distribution connection
 * is not verified again (the incident: nothing broke while the pods ran),
 * and a node restarted once its chain has expired (its own certificate or
 * the CA) fails its handshakes and stays alone (RFC 5280 6.1.3).
 */
const NODES = ['node1', 'node2', 'node3'];

/** cert-manager's default duration: a leaf it issues at a pod's start lives this long. */

export function rehearsal(input: RehearsalShape) {
  // Through the cluster's Issuer (the real cert-manager, on kind) while its leaves, issued at real time, outlive the CA: then
  // only the CA's expiry lies ahead of them. Later CAs would see those leaves expire first, which the real pods would not.
  const viaIssuer = input.issuer !== undefined && input.ca.notAfter.getTime() - Date.now() < CERT_MANAGER_DEFAULT_DURATION_MS;
  const shape: RehearsalShape = viaIssuer ? { ...input, instants: [{ at: input.ca.notAfter, expiring: [input.ca.name] }] } : input;
  const leafOf = (i: number) => shape.leaves[i % shape.leaves.length]!;
  // Which node restarts at which instant: each node once, in turn, so that every restart meets a node that has run since the start.
  const restarted = shape.instants.map((_, i) => NODES[i % NODES.length]!);
  const expiredBy = (at: Date, node: string) =>
    [shape.ca, ...(viaIssuer ? [] : [leafOf(NODES.indexOf(node))])].filter((w) => w.notAfter.getTime() < at.getTime());
  const day = utcMinute;
  const running = (i: number) =>
    NODES.filter((node) => restarted.slice(0, i).every((r, k) => r !== node || expiredBy(pastInstant(shape.instants[k]!.at), node).length === 0));
  const firstBreak = shape.instants.findIndex(
    (instant) => expiredBy(pastInstant(instant.at), restarted[shape.instants.indexOf(instant)]!).length > 0,
  );

  return defineScenario({
    name: 'rehearsal',
    workload: erlang,
    ...(viaIssuer ? { platforms: ['kind', 'kubernetes'] as const } : {}),
    description: `A rehearsal of ${shape.source}: ${
      viaIssuer
        ? `the CA ${shape.ca.name} (${shape.ca.from}, until ${day(shape.ca.notAfter)}) forged anew with a new key and the same window, behind cert-manager's Issuer ${input.issuer!.name} (the real one, v1.10.2), which signs each of three Erlang nodes' requests at its pod's start, as in the source`
        : `the CA ${shape.ca.name} (${shape.ca.from}, until ${day(shape.ca.notAfter)}) and the ${shape.leaves.length} leaf certificate(s) it signed (${shape.leaves.map((l) => l.name).join(', ')}) forged anew with new keys and the same windows, on three Erlang nodes (node1, node2, node3 take the leaves' windows in turn)`
    }; the clocks walked to a minute past each of ${shape.instants.length} upcoming expir${shape.instants.length === 1 ? 'y' : 'ies'}, one node restarted at each.`,
    question: `When does the cluster of ${shape.source} break, and through which certificate?`,

    setup: (): { cluster: ErlangSetup } => {
      const ca = forgeCa('rehearsed-ca', { from: shape.ca.notBefore, until: shape.ca.notAfter, commonName: shape.ca.name });
      if (viaIssuer)
        return { cluster: { issuer: { ca, name: input.issuer!.name }, nodes: NODES.map((name) => ({ name, trusts: ca, clock: '+0' })) } };
      return {
        cluster: {
          nodes: NODES.map((name, i) => {
            const leaf = leafOf(i);
            return { name, cert: forgeLeaf(name, { ca, from: leaf.notBefore, until: leaf.notAfter, altNames: [name] }), trusts: ca, clock: '+0' };
          }),
        },
      };
    },

    async run(s): Promise<Steps> {
      const steps: Steps = { reached: [], restarts: [] };
      await s.waitFor('full-mesh', 'wait for the full mesh at real time', (view) => view.fullMesh(), { timeoutMs: 30_000 });
      for (const [i, instant] of shape.instants.entries()) {
        steps.reached.push(await s.jumpClocks(s.nodes, pastInstant(instant.at).toISOString(), { id: `reach-${i + 1}` }));
        await s.observe(
          { minMs: 2_000, maxMs: 5_000, stableSamples: 4 },
          `${instant.expiring.join(' and ')} expired a minute ago by every clock: does the running cluster hold?`,
        );
        steps.restarts.push(await s.restart(restarted[i]!, { id: `restart-${i + 1}` }));
        await s.observe({ minMs: 3_000, maxMs: 8_000, stableSamples: 4 }, `${restarted[i]} restarted with its certificate as it is: does it rejoin?`);
      }
      return steps;
    },

    answer: [
      ...(firstBreak >= 0
        ? [
            {
              expectation: `restart-${firstBreak + 1}`,
              pass: `First break: ${day(shape.instants[firstBreak]!.at)}, when ${shape.instants[firstBreak]!.expiring.join(' and ')} expire${shape.instants[firstBreak]!.expiring.length === 1 ? 's' : ''}: from then on a node that restarts cannot rejoin`,
              fail: `${day(shape.instants[firstBreak]!.at)} (${shape.instants[firstBreak]!.expiring.join(' and ')}) was predicted as the first break, but the node restarted after it rejoined`,
            },
          ]
        : []),
      ...shape.instants.map((instant, i) => ({
        expectation: `running-${i + 1}`,
        pass: `${day(instant.at)}: the running cluster held; nothing broke until a restart`,
        fail: `${day(instant.at)}: the running cluster broke already, without a restart`,
      })),
    ],

    expectations: shape.instants.flatMap((instant, i) => {
      const id = i + 1;
      const node = restarted[i]!;
      const others = running(i).filter((n) => n !== node);
      const expired = expiredBy(pastInstant(instant.at), node);
      return [
        {
          id: `running-${id}`,
          title: `${day(instant.at)}, ${instant.expiring.join(' and ')} expired: the nodes still running (${running(i).join(', ')}) stay connected until the restart`,
          basis: 'incident: nothing broke while the pods ran; an established TLS connection is not verified again',
          check: (q: TimelineQuery, _: unknown, { reached, restarts }: Steps) =>
            stayFullyConnected(q, running(i), {
              window: { after: q.step(reached[i]!).t, before: q.step(restarts[i]!).startedAt },
              label: `after the clocks reached ${day(instant.at)}, before ${node} restarted`,
            }),
        },
        expired.length
          ? {
              id: `restart-${id}`,
              title: `${node}, restarted after ${expired.map((w) => w.name).join(' and ')} expired, stays alone`,
              basis: 'a chain with an expired certificate fails verification (RFC 5280 6.1.3), however new the handshake',
              check: (q: TimelineQuery, _: unknown, { reached, restarts }: Steps) =>
                staysAlone(q, node, {
                  others: NODES.filter((n) => n !== node),
                  window: windowAfter(q, restarts[i]!, reached[i + 1]),
                  label: 'after its restart',
                }),
            }
          : {
              id: `restart-${id}`,
              title: `${node}, restarted while its chain is valid, rejoins ${others.join(' and ') || 'nobody'}`,
              basis: 'a valid chain passes verification: a restarted node reconnects',
              check: (q: TimelineQuery, _: unknown, { reached, restarts }: Steps) =>
                rejoins(q, node, others, windowAfter(q, restarts[i]!, reached[i + 1])),
            },
      ];
    }),
  });
}

/** The node, after its restart, is seen connected to every one of `others` by the end of the window. */
function rejoins(q: TimelineQuery, node: string, others: string[], window: { after?: string; before?: string }): ExpectationResult {
  const samples = membershipSamples(q, { ...window, node }).filter((s) => !s.noAnswer);
  if (samples.length === 0) return unknown(`no answered sample of ${node} after its restart`, []);
  const joined = samples.find((s) => s.ok && others.every((o) => s.peers.includes(o)));
  const last = samples.at(-1)!;
  if (joined && last.ok && others.every((o) => last.peers.includes(o)))
    return pass(`${node} rejoined ${others.join(', ') || 'nobody (none running)'} after its restart`, [joined, last]);
  return fail(`${node} did not rejoin: its last sample sees ${last.ok ? last.peers.join(', ') || 'nobody' : 'nothing (down)'}`, [last]);
}

/** The steps its checks read, as its run returns them: the jump to each instant and that instant's restart, in order. */
interface Steps {
  reached: StepHandle[];
  restarts: StepHandle[];
}
