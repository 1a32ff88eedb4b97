import { describe } from 'vitest';
import { describeErlangCaExpiry } from '../shared/erlang-ca-expiry.js';
import { describeErlangPreflight, describeErlangRestartAfterExpiry } from '../shared/erlang-incident.js';
import { describeEtcdCertsExpireInTime, describeEtcdPeerCertsExpired } from '../shared/etcd-incident.js';
import { kindUnavailable } from '../support/kind-available.js';

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
});
