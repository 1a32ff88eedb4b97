import { formatDuration } from '../../util/duration.js';
import type { Forged } from '../../pki/certificate.js';
import { certificateSummary, issuedCertificate } from '../certificates.js';
import type { Deployment, RestartPlan } from '../workload.js';
import type { IssuerSpec } from '../../platform/types.js';
import { erlangCertFiles, erlangNodeSpec, erlangProbes, erlangRequest, PREFLIGHT_COMMAND, preflightEnv } from './app.js';
import type { ErlangNode, ErlangSetup } from './setup.js';

/** What a restarted Erlang node may get that differs from before (a pod recreated with new Secrets or a new spec). */
export interface ErlangRestart {
  /** A new node certificate. */
  cert?: Forged;
  /** A new trusted CA, or a bundle. */
  trusts?: Forged | Forged[];
  /** Turn the pre-flight check on (margin in seconds) or off (false). */
  preflight?: number | false;
}

const trusted = (n: Pick<ErlangNode, 'trusts'>) => (Array.isArray(n.trusts) ? n.trusts : [n.trusts]);
const caPem = (n: Pick<ErlangNode, 'trusts'>) =>
  trusted(n)
    .map((ca) => ca.certPem)
    .join('');

export function deployErlang({ nodes, issuer }: ErlangSetup): Deployment<ErlangRestart> {
  const names = nodes.map((n) => n.name);
  const issuerSpec: IssuerSpec | undefined = issuer && {
    name: issuer.name ?? 'erlclu-issuer',
    secretName: issuer.secretName ?? 'erlclu-ca-key-pair',
    caCertPem: issuer.ca.certPem,
    caKeyPem: issuer.ca.keyPem,
  };
  const certOf = (n: Pick<ErlangNode, 'name' | 'cert'>) => {
    if (n.cert) return n.cert;
    if (!issuerSpec) throw new Error(`node ${n.name} has no certificate and the cluster no issuer to request one from`);
    return undefined;
  };
  // What each node has now; restarts with new certificates change it.
  const current = new Map(nodes.map((n) => [n.name, { ...n }]));
  return {
    nodes: names,
    probes: erlangProbes,
    start: () => ({
      specs: nodes.map((n) => {
        const cert = certOf(n);
        return erlangNodeSpec(
          {
            name: n.name,
            certificate: cert
              ? { certPem: cert.certPem, keyPem: cert.keyPem, caPem: caPem(n) }
              : erlangRequest(n.name, issuerSpec!.name, issuer?.trustBundle ? caPem(n) : undefined),
            clock: n.clock,
            clockBy: n.clockBy,
            preflightMarginSeconds: n.preflightMarginSeconds,
          },
          names,
        );
      }),
      issued: [],
    }),
    certificates: () => {
      const all = new Map<string, { forged: Forged; holders: string[]; trustedBy: string[] }>();
      const entry = (forged: Forged) => {
        if (!all.has(forged.info.serial)) all.set(forged.info.serial, { forged, holders: [], trustedBy: [] });
        return all.get(forged.info.serial)!;
      };
      for (const n of nodes) {
        for (const ca of trusted(n)) entry(ca).trustedBy.push(n.name);
        if (n.cert) entry(n.cert).holders.push(n.name);
      }
      return [...all.values()].map(({ forged, holders, trustedBy }) =>
        certificateSummary(
          forged,
          [
            forged.info.isCa ? (issuer?.ca === forged ? `CA of Issuer ${issuerSpec!.name}` : 'CA') : 'node certificate',
            holders.length ? `of ${holders.join(', ')}` : '',
            trustedBy.length ? `trusted by ${trustedBy.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
        ),
      );
    },
    clocks: () => nodes.map((n) => ({ node: n.name, spec: n.clock })),
    forged: () => [...new Set([...(issuer ? [issuer.ca] : []), ...nodes.flatMap((n) => [...(n.cert ? [n.cert] : []), ...trusted(n)])])],
    ...(issuerSpec ? { issuers: () => [issuerSpec] } : {}),
    onRestart: (node, _now, changes) => {
      const now = current.get(node)!;
      const plan: RestartPlan = { issued: [] };
      const said: string[] = [];
      if (changes.cert && !now.cert)
        throw new Error(`node ${node} requests its certificate from Issuer ${issuerSpec?.name}: a restart cannot hand it one`);
      if (changes.trusts && !now.cert) {
        // A node whose certificate is requested trusts what its pod's trust bundle holds: the restart brings the new bundle.
        now.trusts = changes.trusts;
        plan.requests = erlangRequest(node, issuerSpec!.name, caPem(now));
        said.push(
          `its trust bundle ${trusted(now)
            .map((ca) => ca.name)
            .join(' + ')}`,
        );
      } else if (changes.cert || changes.trusts) {
        if (changes.cert) now.cert = changes.cert;
        if (changes.trusts) now.trusts = changes.trusts;
        plan.files = erlangCertFiles({ certPem: now.cert!.certPem, keyPem: now.cert!.keyPem, caPem: caPem(now) });
        if (changes.cert) {
          plan.issued.push(issuedCertificate(node, 'node.crt', changes.cert));
          said.push(`new certificate ${changes.cert.name} (issued by ${changes.cert.info.issuer})`);
        }
        if (changes.trusts)
          said.push(
            `trusting ${trusted({ trusts: changes.trusts })
              .map((ca) => ca.name)
              .join(' + ')}`,
          );
      }
      if (changes.preflight !== undefined) {
        plan.env = preflightEnv(changes.preflight === false ? undefined : changes.preflight);
        plan.preflight = changes.preflight === false ? false : PREFLIGHT_COMMAND;
        said.push(
          changes.preflight === false ? 'no pre-flight check' : `pre-flight check on (margin ${formatDuration(changes.preflight).replace('+', '')})`,
        );
      }
      if (!now.cert) said.unshift(`a new certificate requested from Issuer ${issuerSpec!.name}`);
      if (said.length > 0) plan.summary = said.join(', ');
      return plan;
    },
  };
}
