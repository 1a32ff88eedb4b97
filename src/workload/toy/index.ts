import { fileURLToPath } from 'node:url';
import { defineWorkload, membershipView, readLibcClock, type IncidentQuestion } from '../api.js';
import { deployToy } from './deployment.js';
import { classifyToyLogLine } from './logs.js';
import { TOY_IMAGE, toyVersions } from './node.js';

export { toyCert, toyCluster, type ToyNode, type ToySetup } from './setup.js';
export type { ToyRestart } from './deployment.js';
export type { MembershipView as ToyView } from '../api.js';

const QUESTIONS: IncidentQuestion[] = [
  {
    incident: 'Example: toy TLS cluster (docs/ARCHITECTURE.md)',
    question: 'Does a node whose certificate has expired drop out of a mutual-TLS cluster at its next restart?',
    scenarios: ['toy-cert-expiry'],
  },
];

/**
 * The smallest workload: nodes that "cluster" over mutual TLS with nothing but
 * `openssl s_server` and `openssl s_client` in a shell loop (image in ./image).
 * A node sees a peer while its last dial completed a handshake in which each
 * side verified the other's certificate. Everything about it is in this
 * folder, its scenarios in ./scenarios; src/workload/registry.ts lists it.
 */
export const toy = defineWorkload({
  name: 'toy',
  image: TOY_IMAGE,
  questions: QUESTIONS,
  scenarioDir: fileURLToPath(new URL('./scenarios', import.meta.url)),
  classifyLogLine: classifyToyLogLine,
  versions: toyVersions,
  readClock: readLibcClock,
  deploy: deployToy,
  view: membershipView,
  operations: () => ({}),
});
