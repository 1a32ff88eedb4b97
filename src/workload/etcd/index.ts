import { ensureSpareKeys } from '../../pki/certificate.js';
import { defineWorkload, listOf, readLibcClock, type IncidentQuestion, type OperationHost } from '../workload.js';
import { deployEtcd, type EtcdDeployment } from './deployment.js';
import { classifyEtcdLogLine } from './logs.js';
import { ETCD_IMAGE, etcdVersions } from './member.js';
import { etcdView } from './view.js';

export { incidentMemberCert, kopsEtcdCluster, memberCert, type EtcdClusterSetup, type EtcdMemberSetup, type EtcdSetup, type ManagerMode } from './setup.js';
export type { EtcdRestart } from './deployment.js';
export type { EtcdClusterView } from './view.js';
export type { EtcdView } from './member.js';

const INCIDENT = 'kops etcd (etcd-manager)';

/** The questions the kops etcd incident raised (../shared/design.md), and the scenarios that answer them. */
const QUESTIONS: IncidentQuestion[] = [
  { incident: INCIDENT, question: 'Why did etcd go Unhealthy when the member certificates expired?', scenarios: ['etcd-peer-certs-expired', 'etcd-client-cert-expired'] },
  { incident: INCIDENT, question: 'What happens at the moment the certificates of a running cluster expire?', scenarios: ['etcd-certs-expire-while-running'] },
  { incident: INCIDENT, question: 'Does restarting etcd-manager fix it, and would a newer etcd-manager have avoided it?', scenarios: ['etcd-manager-restart-recovers'] },
  { incident: INCIDENT, question: 'What happens when a year passes under the one-year certificates a legacy etcd-manager issued, and does restarting etcd-manager fix it?', scenarios: ['etcd-certs-expire-in-time'] },
  { incident: INCIDENT, question: 'Can the expiry be rehearsed on etcd by moving its clock, with libfaketime or with certdrill-clock?', scenarios: ['etcd-faketime-has-no-effect'] },
  { incident: INCIDENT, question: 'When one member\'s clock runs a year ahead, who rejects whom?', scenarios: ['etcd-member-clock-skew'] },
];

/** What a scenario can do to etcd beyond restarting a member. */
export interface EtcdOperations {
  /** Restarts etcd-manager on these members: it regenerates their certificates, then restarts etcd. */
  restartManager(nodes: readonly string[], options?: { id?: string }): Promise<void>;
}

function etcdOperations(host: OperationHost, deployment: EtcdDeployment): EtcdOperations {
  return {
    async restartManager(nodes, options = {}) {
      const startedAt = new Date().toISOString();
      // Two keys per member, made off the event loop: forging them on the spot would stall the probes under way.
      await ensureSpareKeys(2 * nodes.length);
      // etcd-manager runs beside its member and issues certificates by that host's clock.
      await Promise.all(nodes.map((node) => host.applyRestart(node, deployment.onManagerRestart(node, host.clockOf(node)))));
      host.step({
        id: options.id ?? 'restart-manager',
        title: `restart etcd-manager on ${listOf(nodes)}: certificates regenerated in the pki folders, members restarted`,
        startedAt,
        nodes: [...nodes],
        outcome: 'done',
      });
    },
  };
}

/**
 * kops-style etcd (image in ./image): members whose certificates sit where
 * etcd-manager keeps them, seen as the API server and etcdctl see them.
 */
export const etcd = defineWorkload({
  name: 'etcd',
  image: ETCD_IMAGE,
  questions: QUESTIONS,
  versionsBySuite: { bookworm: 'etcd 3.4', trixie: 'etcd 3.5' },
  classifyLogLine: classifyEtcdLogLine,
  versions: etcdVersions,
  // Under certdrill-clock (members' default) `date` reads what etcd reads; under libfaketime only what libfaketime
  // was told, as etcd ignores it (Go reads the vDSO).
  readClock: readLibcClock,
  deploy: deployEtcd,
  view: etcdView,
  operations: etcdOperations,
});
