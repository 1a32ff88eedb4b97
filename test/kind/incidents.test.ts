import { beforeAll, describe, expect, it } from 'vitest';
import { describeErlangCaExpiry } from '../shared/erlang-ca-expiry.js';
import { describeErlangPreflight, describeErlangRestartAfterExpiry } from '../shared/erlang-incident.js';
import { describeEtcdCertsExpireInTime, describeEtcdPeerCertsExpired } from '../shared/etcd-incident.js';
import { kindUnavailable } from '../support/kind-available.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * The incidents' scenarios, unchanged, on a kind cluster (pods, Secrets,
 * headless Services, init containers, persistent folders), asserted exactly as
 * on docker. Skipped only where this machine cannot run kind at all.
 */
const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  describeErlangCaExpiry('kind');
  describeErlangRestartAfterExpiry('kind');
  describeErlangPreflight('kind');
  describeEtcdPeerCertsExpired('kind');
  // The real etcd-manager 3.0.20200116 with kube-apiserver beside it, each master a pod under certdrill-clock.
  describeEtcdCertsExpireInTime('kind');

  // A node with no ports (probed through exec) gets no NodePort Service, which the API server refuses without one.
  describe('toy-cert-expiry on kind', () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('toy-cert-expiry', 'kind');
    });

    it('starts, forms the mesh, and leaves the node restarted with an expired certificate alone', () => {
      const restartedAt = ms(run.step('restart-node3').t);
      expect(run.membership().some((r) => ms(r.t) < restartedAt && r.ok && r.peers.length === 2)).toBe(true);
      const later = run.membership().filter((r) => r.node === 'node3' && r.ok && ms(r.t) > restartedAt);
      expect(later.length).toBeGreaterThanOrEqual(2);
      expect(later.every((r) => r.peers.length === 0)).toBe(true);
    });
  });
});
