import { pastInstant, utcMinute, type RehearsalShape, type Window } from '../../../inventory/rehearsal-shape.js';
import type { StepHandle, TimelineQuery } from '../../../observe/query.js';
import { forgeCa, forgeLeaf, type Forged } from '../../../pki/certificate.js';
import { everyHealthSample, everySampleFailsFor, windowAfter } from '../../../scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../../../scenario/types.js';
import { allOf, fail, pass, unknown } from '../../../scenario/verdict.js';
import { etcd, kopsEtcdCluster } from '../index.js';
import { listOf } from '../../workload.js';

/**
 * A rehearsal of a real cluster's chain on kops-style etcd (npm run rehearse
 * --workload etcd): three members under a legacy etcd-manager (certificates
 * kept across member restarts) get the chain forged anew with the real
 * windows, start Healthy at real time, and certdrill-clock walks every
 * member's clock (etcd's own Go clock) to just after each upcoming expiry.
 * At each, the running cluster is watched in both views, then one member
 * restarts with its certificates as they are.
 *
 * The chain replayed is the one that breaks first. Its place says which of
 * etcd's chains it is: etcd-manager's peers or clients CA, or a single etcd
 * CA that signs both (kubeadm's). The chain not replayed is forged valid
 * past the last instant, so that only the real windows break anything.
 *
 * Expectations are what TLS predicts (RFC 5280 6.1.3: a handshake checks
 * every certificate of the chain against the verifier's clock; an
 * established connection is not checked again):
 * - kube-apiserver's /health (a new handshake each time, taken beside the
 *   member on its clock) fails once the member's serving chain or the API
 *   server's client certificate has expired, or once its member has no
 *   quorum;
 * - raft keeps its leader over peer connections made before the expiry;
 * - a member restarted after its peer chain expired cannot rejoin.
 */
const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const YEAR_MS = 365 * 86_400_000;

/** The chain's windows as etcd uses them; undefined: not in the replayed chain, forged valid throughout. */
export interface EtcdChains {
  /** Which of etcd's chains the replayed one is. */
  replays: 'peers' | 'clients' | 'both';
  peersCa?: Window;
  clientsCa?: Window;
  /** Per member in turn: its peers/me.crt window and its clients/server.crt window. */
  peerLeaves: Window[];
  serverLeaves: Window[];
  /** kube-apiserver's client certificate. */
  client?: Window;
}

/** Where the replayed chain sits among etcd's chains, from what its place in the layout says. */
export function etcdChains(shape: RehearsalShape): EtcdChains {
  const role = shape.ca.role ?? '';
  const replays = /peers CA/.test(role) ? 'peers' : /clients CA/.test(role) ? 'clients' : 'both';
  const isClient = (w: Window) => /client/.test(w.role ?? '');
  const members = shape.leaves.filter((w) => !isClient(w));
  const memberLeaves = members.length ? members : shape.leaves;
  const named = (pattern: RegExp) => memberLeaves.filter((w) => pattern.test(w.role ?? ''));
  const client = shape.leaves.find(isClient);
  if (replays === 'peers') return { replays, peersCa: shape.ca, peerLeaves: memberLeaves, serverLeaves: [] };
  if (replays === 'clients') return { replays, clientsCa: shape.ca, peerLeaves: [], serverLeaves: memberLeaves, ...(client ? { client } : {}) };
  const peers = named(/peer/);
  const servers = named(/server/);
  return {
    replays,
    peersCa: shape.ca,
    clientsCa: shape.ca,
    peerLeaves: peers.length ? peers : memberLeaves,
    serverLeaves: servers.length ? servers : memberLeaves,
    ...(client ? { client } : {}),
  };
}

export function rehearsal(shape: RehearsalShape) {
  const chains = etcdChains(shape);
  const last = shape.instants.at(-1)!.at;
  // What is not replayed outlives the walk by a year.
  const beyond: Window = {
    name: 'not replayed',
    from: 'forged',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(last.getTime() + YEAR_MS),
  };
  const leaf = (leaves: Window[], member: string) => leaves[MEMBERS.indexOf(member) % Math.max(leaves.length, 1)] ?? beyond;
  const peerChain = (member: string) => [chains.peersCa ?? beyond, leaf(chains.peerLeaves, member)];
  const servingChain = (member: string) => [chains.clientsCa ?? beyond, leaf(chains.serverLeaves, member)];
  const clientChain = [chains.clientsCa ?? beyond, chains.client ?? beyond];
  const expiredOf = (windows: Window[], at: Date) => windows.filter((w) => w.notAfter.getTime() < at.getTime());
  const day = utcMinute;
  const names = (windows: Window[]) => listOf([...new Set(windows.map(describe))]);
  const byName = new Map([shape.ca, ...shape.leaves].map((w) => [w.name, w]));
  const expiring = (i: number) =>
    listOf([...new Set(shape.instants[i]!.expiring.map((name) => (byName.has(name) ? describe(byName.get(name)!) : name)))]);
  const expire = (i: number) => (shape.instants[i]!.expiring.length === 1 ? 'expires' : 'expire');

  // Each member restarts once, in turn. A restarted member makes new peer handshakes: it is back in the cluster only if its
  // own peer chain is valid and so is that of enough members still in it to make a majority with it.
  const restarted = shape.instants.map((_, i) => MEMBERS[i % MEMBERS.length]!);
  const at = (i: number) => pastInstant(shape.instants[i]!.at);
  const peerValid = (member: string, i: number) => expiredOf(peerChain(member), at(i)).length === 0;
  const connected = (i: number): string[] => MEMBERS.filter((m) => restarted.slice(0, i).every((r, k) => r !== m || rejoins(k)));
  const joinable = (i: number) => connected(i).filter((o) => o !== restarted[i] && peerValid(o, i));
  const rejoins = (i: number): boolean => peerValid(restarted[i]!, i) && joinable(i).length + 1 > MEMBERS.length / 2;
  const quorate = (i: number) => connected(i).length > MEMBERS.length / 2;
  // kube-apiserver's view of a member at instant i: a new handshake (serving chain, client certificate) to a member with a leader.
  const apiserverBroken = (i: number, member: string) => [...expiredOf(servingChain(member), at(i)), ...expiredOf(clientChain, at(i))];
  const apiserverHealthy = (i: number, member: string) => apiserverBroken(i, member).length === 0 && quorate(i) && connected(i).includes(member);
  // etcdctl runs in the member with kube-apiserver's client certificate and skips checking the member's: it sees only the client chain.
  const etcdctlBlind = (i: number) => expiredOf(clientChain, at(i));
  const firstBreak = shape.instants.findIndex((_, i) => MEMBERS.some((m) => !apiserverHealthy(i, m)) || !rejoins(i));

  return defineScenario({
    name: 'rehearsal',
    workload: etcd,
    description:
      `A rehearsal of ${shape.source} on kops-style etcd: the CA ${shape.ca.name} (${shape.ca.from}, until ${day(shape.ca.notAfter)}) and the ${shape.leaves.length} certificate(s) it signed (${shape.leaves.map((l) => l.name).join(', ')}) forged anew with new keys and the same windows, as etcd's ${chains.replays === 'both' ? 'peer and client chains' : `${chains.replays} chain`} ` +
      `(the other chain forged valid throughout); three members under a legacy etcd-manager, which keeps certificates across member restarts; every member's clock (certdrill-clock) walked to a minute past each of ${shape.instants.length} upcoming expir${shape.instants.length === 1 ? 'y' : 'ies'}, one member restarted at each. kube-apiserver's view is taken beside each member, on its clock.`,
    question: `When does the etcd of ${shape.source} break, and through which certificate?`,

    async setup(reference) {
      const forgeWindowCa = (w: Window | undefined, name: string) =>
        forgeCa(name, { from: (w ?? beyond).notBefore, until: (w ?? beyond).notAfter, commonName: w?.name ?? name });
      const peersCa = forgeWindowCa(chains.peersCa, 'etcd-peers-ca');
      const clientsCa = chains.replays === 'both' ? peersCa : forgeWindowCa(chains.clientsCa, 'etcd-clients-ca');
      const memberLeaf = (w: Window, member: string, ca: Forged) =>
        forgeLeaf(member, { ca, from: w.notBefore, until: w.notAfter, altNames: [member, 'localhost', '127.0.0.1'] });
      const client = (ca: Forged) =>
        forgeLeaf('kube-apiserver-etcd-client', {
          ca,
          from: (chains.client ?? beyond).notBefore,
          until: (chains.client ?? beyond).notAfter,
          usages: ['client'],
          altNames: [],
        });
      const cluster = await kopsEtcdCluster({
        reference,
        manager: 'hand-issued',
        members: MEMBERS,
        apiserverOn: 'member',
        peersCa,
        clientsCa,
        client,
        peerCert: (member, ca) => memberLeaf(leaf(chains.peerLeaves, member), member, ca),
        serverCert: (member, ca) => memberLeaf(leaf(chains.serverLeaves, member), member, ca),
      });
      return { cluster: { clusters: [cluster] } };
    },

    async run(s): Promise<Steps> {
      const steps: Steps = { reached: [], restarts: [] };
      await s.waitFor('healthy', "wait until every member is Healthy in the API server's view, at real time", (view) => view.allHealthy(), {
        timeoutMs: 30_000,
      });
      for (const i of shape.instants.keys()) {
        steps.reached.push(await s.jumpClocks(MEMBERS, at(i).toISOString(), { id: `reach-${i + 1}` }));
        // Two probe deadlines (5 s each): a member that no longer answers is sampled more than once after the jump.
        await s.observe(
          { minMs: 10_000, maxMs: 15_000, stableSamples: 4 },
          `${expiring(i)} expired a minute ago by every member's clock: what do the two views see?`,
        );
        steps.restarts.push(await s.restart(restarted[i]!, { id: `restart-${i + 1}` }));
        await s.observe(
          { minMs: 4_000, maxMs: 10_000, stableSamples: 4 },
          `${restarted[i]} restarted with its certificates as they are: does it rejoin?`,
        );
      }
      return steps;
    },

    answer: [
      ...(firstBreak >= 0
        ? [
            {
              expectation: MEMBERS.some((m) => !apiserverHealthy(firstBreak, m)) ? `apiserver-${firstBreak + 1}` : `restart-${firstBreak + 1}`,
              pass: `First break: ${day(shape.instants[firstBreak]!.at)}, when ${expiring(firstBreak)} ${expire(firstBreak)}: ${
                MEMBERS.some((m) => !apiserverHealthy(firstBreak, m))
                  ? 'kube-apiserver sees etcd Unhealthy at once, without any restart'
                  : 'from then on a member that restarts cannot rejoin'
              }`,
              fail: `${day(shape.instants[firstBreak]!.at)} (${expiring(firstBreak)}) was predicted as the first break, but etcd did not break there as predicted`,
            },
          ]
        : []),
      ...shape.instants.flatMap((instant, i) =>
        etcdctlBlind(i).length
          ? []
          : [
              {
                expectation: `raft-${i + 1}`,
                pass: `${day(instant.at)}: raft ${quorate(i) ? 'kept its leader over the established peer connections' : 'had no quorum left'}`,
                fail: `${day(instant.at)}: raft did not behave as predicted (${quorate(i) ? 'it lost its leader without a restart' : 'a leader was seen without quorum'})`,
              },
            ],
      ),
    ],

    expectations: shape.instants.flatMap((instant, i) => {
      const id = i + 1;
      const member = restarted[i]!;
      const beforeRestart = (q: TimelineQuery, { reached, restarts }: Steps) => ({
        after: q.step(reached[i]!).t,
        before: q.step(restarts[i]!).startedAt,
      });
      const afterRestart = (q: TimelineQuery, { reached, restarts }: Steps) => windowAfter(q, restarts[i]!, reached[i + 1]);
      const healthy = MEMBERS.filter((m) => apiserverHealthy(i, m));
      const unhealthy = MEMBERS.filter((m) => !apiserverHealthy(i, m));
      const why = (m: string) => {
        const expired = apiserverBroken(i, m);
        if (expired.length) return `${names(expired)} expired`;
        return connected(i).includes(m) ? 'no quorum' : 'out of the cluster since its restart';
      };
      const peerExpired = expiredOf(peerChain(member), at(i));
      // etcdctl is blind once the client chain expired: raft and a restart cannot be seen, so nothing is predicted of them.
      const seen = etcdctlBlind(i).length === 0;
      return [
        {
          id: `apiserver-${id}`,
          title: `${day(instant.at)}, ${expiring(i)} expired: kube-apiserver sees ${healthy.length ? `${healthy.join(', ')} Healthy` : ''}${healthy.length && unhealthy.length ? ', ' : ''}${unhealthy.length ? `${unhealthy.map((m) => `${m} Unhealthy (${why(m)})`).join(', ')}` : ''}`,
          basis:
            "each /health request is a new TLS handshake, checked against the member's clock (RFC 5280 6.1.3); /health is false without a leader",
          check: (q: TimelineQuery, _: unknown, steps: Steps): ExpectationResult => {
            const window = beforeRestart(q, steps);
            const results = [
              ...(healthy.length
                ? [everyHealthSample(q, healthy, { window, view: 'apiserver', healthy: true, label: `after the clocks reached ${day(instant.at)}` })]
                : []),
              // A member out of its cluster accepts the connection and never serves TLS: its check fails by the deadline.
              ...(unhealthy.length
                ? [
                    everySampleFailsFor(q, unhealthy, {
                      window,
                      view: 'apiserver',
                      cause: 'connected, no TLS handshake',
                      label: `after the clocks reached ${day(instant.at)}`,
                    }),
                  ]
                : []),
            ];
            return {
              verdict: allOf(...results.map((r) => r.verdict)),
              observed: results.map((r) => r.observed).join('; '),
              evidence: results.flatMap((r) => r.evidence),
            };
          },
        },
        ...(seen
          ? [
              {
                id: `raft-${id}`,
                title: quorate(i)
                  ? `${day(instant.at)}: raft keeps its leader over the peer connections made before (etcdctl Healthy on ${connected(i).join(', ')} until the restart)`
                  : `${day(instant.at)}: with ${connected(i).join(', ') || 'no member'} left in the cluster, raft has no quorum (etcdctl Unhealthy)`,
                basis: "TLS checks dates only in a handshake; rafthttp's peer streams are long-lived connections (a majority is needed for a leader)",
                check: (q: TimelineQuery, _: unknown, steps: Steps): ExpectationResult =>
                  everyHealthSample(q, quorate(i) ? connected(i) : MEMBERS, {
                    window: beforeRestart(q, steps),
                    view: 'etcdctl',
                    healthy: quorate(i),
                    label: `after the clocks reached ${day(instant.at)}, before ${member} restarted`,
                  }),
              },
              {
                id: `restart-${id}`,
                title: rejoins(i)
                  ? `${member}, restarted while its peer chain and those of ${joinable(i).join(' and ')} are valid, rejoins`
                  : `${member}, restarted after ${
                      peerExpired.length
                        ? names(peerExpired)
                        : `the peer chains of ${
                            connected(i)
                              .filter((o) => o !== member)
                              .join(' and ') || 'every other member'
                          }`
                    } expired, cannot rejoin (etcdctl Unhealthy on it)`,
                basis: rejoins(i)
                  ? 'valid chains pass verification: a restarted member reconnects to a majority'
                  : 'a restarted member makes new peer handshakes, in which an expired chain is rejected (RFC 5280 6.1.3)',
                check: (q: TimelineQuery, _: unknown, steps: Steps): ExpectationResult =>
                  rejoins(i)
                    ? rejoined(q, member, afterRestart(q, steps))
                    : everyHealthSample(q, [member], { window: afterRestart(q, steps), view: 'etcdctl', healthy: false, label: 'after its restart' }),
              },
            ]
          : []),
      ];
    }),
  });
}

/** How a report names a certificate of the chain: what its place says it is, and its name. */
function describe(w: Window): string {
  const role = w.role ?? '';
  if (/CA/.test(role)) return `the ${role.replace(/^etcd-manager /, '')} ${w.name}`;
  if (/peer/.test(role)) return `${w.name}'s peer certificate`;
  if (/server/.test(role)) return `${w.name}'s serving certificate`;
  if (/client/.test(role)) return `the client certificate ${w.name}`;
  return w.name;
}

/** The member, after its restart, is Healthy in etcdctl's view by the end of the window (it found a leader). */
function rejoined(q: TimelineQuery, member: string, window: { after?: string; before?: string }): ExpectationResult {
  const samples = q.states({ ...window, node: member, view: 'etcdctl' }).filter((s) => !s.noAnswer);
  if (samples.length === 0) return unknown(`no etcdctl answer from ${member} after its restart`, []);
  const last = samples.at(-1)!;
  const first = samples.find((s) => s.ok);
  if (first && last.ok)
    return pass(
      `${member} is Healthy in etcdctl's view ${((Date.parse(first.t) - Date.parse(window.after!)) / 1000).toFixed(1)} s after its restart, and at the end`,
      [first, last],
    );
  return fail(`${member} did not rejoin: its last etcdctl answer is ${last.error ?? 'Unhealthy'}`, [last]);
}

/** The steps its checks read, as its run returns them: the jump to each instant and that instant's restart, in order. */
interface Steps {
  reached: StepHandle[];
  restarts: StepHandle[];
}
