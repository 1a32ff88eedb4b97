/**
 * What a workload is made of, for whoever writes one: certdrill's own
 * workloads use these and nothing else of certdrill (the toy does: a user
 * copies its folder, imports them from `certdrill`, and it runs, as
 * test/docker/package.test.ts shows). The package index re-exports them.
 */

export {
  defineWorkload,
  parseVersionLines,
  readLibcClock,
  shortError,
  type AttributeDescription,
  type AttributeDescriptions,
  type CertificateSummary,
  type Deployment,
  type IncidentQuestion,
  type IssuedCertificate,
  type MatrixAxis,
  type OperationHost,
  type RestartPlan,
  type Workload,
} from './workload.js';
export {
  MEMBERSHIP_VIEW,
  membershipAt,
  membershipDown,
  membershipSamples,
  membershipUp,
  membershipView,
  type MembershipSample,
  type MembershipView,
} from './membership-view.js';
export { classifyTlsFailure } from './tls-alert-class.js';
export { certificateSummary, issuedCertificate, uniqueByName } from './certificates.js';
export { CERT_MODE, KEY_MODE } from '../pki/files.js';
export { forgeCa, forgeLeaf, type Forged } from '../pki/certificate.js';
export type { ValidityWindow } from '../pki/validity.js';
export { CLOCK_SHIM_INCLUDE } from '../clock/shim.js';
export type { ClockSpec } from '../clock/spec.js';
export type { ImageSource, NodeFile, NodeSpec } from '../platform/types.js';
export type { AttributeValue, LogFinding, ProbeRecord, StateRecord } from '../observe/records.js';
export type { NodeAccess, Probe } from '../observe/probe.js';
