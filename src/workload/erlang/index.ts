import { defineWorkload, type IncidentQuestion } from '../workload.js';
import { ERLANG_IMAGE, erlangVersions, readErlangClock } from './app.js';
import { deployErlang } from './deployment.js';
import { erlangOperations } from './operations.js';
import { classifyErlangLogLine } from './logs.js';
import { membershipView } from '../membership-view.js';

export { erlangCluster, erlangClusterOnCertManager, nodeCert, type ErlangIssuer, type ErlangNode, type ErlangSetup } from './setup.js';
export type { ErlangRestart } from './deployment.js';
export type { ErlangOperations } from './operations.js';
export type { MembershipView as ErlangView } from '../membership-view.js';
export { caNotAfterOf } from './app.js';

const INCIDENT = 'Erlang cluster (cert-manager, 30-day CA)';

/** The questions the Erlang incident's operator wrote down (../shared/design.md), and the scenarios that answer them. */
const QUESTIONS: IncidentQuestion[] = [
  {
    incident: INCIDENT,
    question: 'Did clustering break when the CA expired, or only at the next restart?',
    // The last two on kind only: issued by the real cert-manager.
    scenarios: ['erlang-ca-expiry', 'erlang-restart-after-expiry', 'erlang-cert-manager-ca-expires', 'erlang-cert-manager-incident'],
  },
  { incident: INCIDENT, question: 'The same for a node certificate expiring.', scenarios: ['erlang-node-cert-expiry'] },
  {
    incident: INCIDENT,
    question: 'Can a pod refuse to start (init/pre-flight check) when its cert or the CA has expired, so the failure is loud instead of silent?',
    scenarios: ['erlang-preflight', 'erlang-cert-manager-preflight'],
  },
  {
    incident: INCIDENT,
    question: 'Which metrics show cluster membership, so an alert fires before or when clustering breaks?',
    scenarios: ['erlang-membership-metrics'],
  },
  {
    incident: INCIDENT,
    question: 'How can the CA be rolled without downtime?',
    scenarios: ['erlang-ca-rotation', 'erlang-cert-manager-ca-rotation'],
  },
  { incident: INCIDENT, question: 'What does one node with a wrong clock do to the cluster?', scenarios: ['erlang-clock-skew'] },
];

/** erlang-app (erlang-app/): OTP nodes clustering over TLS distribution, probed through their HTTP status page. */
export const erlang = defineWorkload({
  name: 'erlang',
  image: ERLANG_IMAGE,
  questions: QUESTIONS,
  versionsBySuite: { bookworm: 'OTP 25', trixie: 'OTP 27' },
  rehearsal: new URL('./rehearse/rehearsal.js', import.meta.url).href,
  classifyLogLine: classifyErlangLogLine,
  versions: erlangVersions,
  readClock: readErlangClock,
  deploy: deployErlang,
  view: membershipView,
  operations: erlangOperations,
});
