import type { StepHandle } from '../../observe/query.js';
import type { Forged } from '../../pki/certificate.js';
import type { Deployment, OperationHost } from '../workload.js';
import type { ErlangRestart } from './deployment.js';

/** What a scenario can do to an Erlang cluster beyond restarting its nodes. */
export interface ErlangOperations {
  /**
   * Points the cluster's Issuer at another CA, as an operator switching CAs
   * does (its Secret's key pair replaced): the pods' next requests are
   * signed by that CA. For a cluster issued by cert-manager only.
   */
  switchIssuer(ca: Forged, options?: { id?: string }): Promise<StepHandle>;
}

export function erlangOperations(host: OperationHost, deployment: Deployment<ErlangRestart>): ErlangOperations {
  return {
    async switchIssuer(ca, options = {}) {
      const [issuer] = deployment.issuers?.() ?? [];
      if (!issuer) throw new Error('switchIssuer: this cluster has no Issuer: set it up with erlangClusterOnCertManager');
      const startedAt = new Date().toISOString();
      const ready = await host.applyIssuer({ ...issuer, caCertPem: ca.certPem, caKeyPem: ca.keyPem });
      return host.step({
        id: options.id ?? 'switch-issuer',
        title: `switch Issuer ${issuer.name} to CA ${ca.name}: its Secret ${issuer.secretName} now holds that key pair`,
        startedAt,
        outcome: 'done',
        detail: `the Issuer then: Ready ${ready.status}${ready.message ? ` (${ready.message})` : ''}`,
      });
    },
  };
}
