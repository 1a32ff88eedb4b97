/**
 * certdrill's public API: what a scenario file outside this repository
 * imports (`import { defineScenario, erlang, forgeCa } from 'certdrill'`).
 * docs/writing-scenarios.md's "API for scenario authors" describes each
 * export; its examples are compiled by the tests against this module.
 */

// Scenarios: define one, judge what its timeline recorded.
export { defineScenario } from './scenario/types.js';
export type {
  AnswerClause,
  Expectation,
  ExpectationResult,
  Fixtures,
  ObservationWindow,
  Scenario,
  ScenarioContext,
  Verdict,
  WaitHandle,
} from './scenario/types.js';
export { allOf, fail, judged, pass, unknown, verdictOf } from './scenario/verdict.js';
export {
  between,
  clocksMoved,
  everyHealthSample,
  everySampleFailsFor,
  firstFiring,
  firstUnhealthy,
  fullMeshBefore,
  healthErrorsMention,
  largestGroupOverTime,
  nodesLogAlert,
  nodesLogAll,
  onlyTheseReject,
  someNodeLogs,
  staysAlone,
  stayFullyConnected,
  windowAfter,
  type LogCheckOptions,
  type MetricsRule,
} from './scenario/checks.js';
export { certificateInForce, newCertificateFor, noNewCertificate } from './scenario/certificate-checks.js';
export type { StepHandle, StepRef, TimelineQuery, Window } from './observe/query.js';
export type {
  AlertRecord,
  AttributeValue,
  CertificateRecord,
  LogRecord,
  MetricsRecord,
  StateRecord,
  StepRecord,
  TimelineRecord,
} from './observe/records.js';

// Certificates: forged with node-forge, or by the real openssl under libfaketime.
export { forgeCa, forgeLeaf, type Forged } from './pki/certificate.js';
export { forgeWithOpenssl } from './pki/openssl-faketime.js';
export type { ClockSpec } from './clock/spec.js';

// Workloads and their set-ups.
export {
  erlang,
  erlangCluster,
  erlangClusterOnCertManager,
  nodeCert,
  type ErlangIssuer,
  type ErlangNode,
  type ErlangRestart,
  type ErlangSetup,
  type ErlangView,
} from './workload/erlang/index.js';
export {
  etcd,
  INCIDENT_ISSUANCE,
  incidentCertsAsManagerIssues,
  incidentMemberCert,
  kopsEtcdCluster,
  KOPS_MASTERS_CORES,
  memberCert,
  type EtcdClusterSetup,
  type EtcdClusterView,
  type EtcdMemberSetup,
  type EtcdSetup,
  type ManagerMode,
} from './workload/etcd/index.js';
export { toy, toyCert, toyCluster, type ToyNode, type ToyRestart, type ToySetup, type ToyView } from './workload/toy/index.js';

// Writing a workload of one's own (docs/ARCHITECTURE.md, "Adding a workload"): what the toy is made of.
export * from './workload/api.js';
