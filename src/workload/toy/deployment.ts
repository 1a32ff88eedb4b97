import { certificateSummary, issuedCertificate, uniqueByName, type Deployment, type Forged, type RestartPlan } from '../api.js';
import { toyCertFiles, toyNodeSpec, toyProbes } from './node.js';
import type { ToySetup } from './setup.js';

/** What a restarted toy node may get that differs from before. */
export interface ToyRestart {
  /** A new node certificate (and its key). */
  cert?: Forged;
}

export function deployToy({ nodes }: ToySetup): Deployment<ToyRestart> {
  const names = nodes.map((n) => n.name);
  // What each node holds now; a restart with a new certificate changes it.
  const current = new Map(nodes.map((n) => [n.name, { ...n }]));
  return {
    nodes: names,
    probes: toyProbes,
    start: () => ({
      specs: nodes.map((n) =>
        toyNodeSpec({ name: n.name, certPem: n.cert.certPem, keyPem: n.cert.keyPem, caPem: n.ca.certPem, clock: n.clock }, names),
      ),
      issued: [],
    }),
    certificates: () => [
      ...uniqueByName(nodes.map((n) => n.ca)).map((ca) =>
        certificateSummary(
          ca,
          `CA trusted by ${nodes
            .filter((n) => n.ca === ca)
            .map((n) => n.name)
            .join(', ')}`,
        ),
      ),
      ...nodes.map((n) => certificateSummary(n.cert, `node certificate of ${n.name}`)),
    ],
    clocks: () => nodes.map((n) => ({ node: n.name, spec: n.clock })),
    forged: () => uniqueByName(nodes.flatMap((n) => [n.ca, n.cert])),
    onRestart: (node, _now, changes) => {
      const plan: RestartPlan = { issued: [] };
      if (changes.cert) {
        const now = current.get(node)!;
        now.cert = changes.cert;
        plan.files = toyCertFiles({ certPem: now.cert.certPem, keyPem: now.cert.keyPem, caPem: now.ca.certPem });
        plan.issued.push(issuedCertificate(node, 'node.crt', changes.cert));
        plan.summary = `new certificate ${changes.cert.name} (valid ${changes.cert.info.notBefore.toISOString()} to ${changes.cert.info.notAfter.toISOString()})`;
      }
      return plan;
    },
  };
}
