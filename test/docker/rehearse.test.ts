import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmRun } from '../support/cli.js';
import { incidentSecretsFolder, kopsPkiFolder } from '../support/pki-folders.js';

/**
 * `npm run rehearse` on the Erlang incident's shape, exported as Secrets (a
 * 30-day CA, 90-day node certificates under it): a real Erlang cluster with
 * the same windows, walked through the CA's expiry and then the leaves'.
 * What TLS and the incident predict: the running cluster holds at each, and
 * clustering breaks only at the first restart after the CA's expiry.
 */
describe('npm run rehearse -- <incident-shaped folder> --workload erlang', () => {
  it("writes findings whose answer opens with the CA's expiry as the first break, every expectation passing with evidence", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-rehearse-'));
    const { ca } = await incidentSecretsFolder(join(dir, 'secrets'), new Date());
    const out = join(dir, 'out');
    const run = await npmRun('rehearse', [join(dir, 'secrets'), '--workload', 'erlang', '--out', out], { timeoutMs: 240_000 });
    expect(run.exitCode, run.all).toBe(0);
    const findings = await readFile(join(out, 'findings.md'), 'utf8');
    const answer = /^\*\*Answer:\*\* (.*)$/m.exec(findings)?.[1];
    const caExpiry = `${ca.info.notAfter.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(answer).toMatch(
      new RegExp(
        `^First break: ${caExpiry}, when erlclu-ca expires: from then on a node that restarts cannot rejoin \\(all \\d+ samples of node1 after its restart show it connected to nobody`,
      ),
    );
    expect(answer).toContain(`${caExpiry}: the running cluster held; nothing broke until a restart`);
    expect(findings).toMatch(/\*\*Result: PASS\*\* — 4 of 4 expectations hold\./);
    // Each expectation shows its evidence: sampled membership with the nodes' (moved) clocks.
    expect(findings.match(/^Evidence:$/gm)?.length).toBe(4);
    const certificates = await readFile(join(out, 'certificates.md'), 'utf8');
    expect(certificates).toMatch(/replayed erlclu-ca expiry :milestone, /);
    expect(`${findings}${certificates}`).not.toMatch(/PRIVATE KEY/);
  });

  it('a source with nothing to replay, or an unknown workload: one line, exit 2', async () => {
    const unknownWorkload = await npmRun('rehearse', [tmpdir(), '--workload', 'redis']);
    expect(unknownWorkload.exitCode).toBe(2);
    expect(unknownWorkload.stderr.trim()).toBe('certdrill: unknown workload "redis": use --workload erlang or etcd');
    const missing = await npmRun('rehearse', ['/nonexistent/pki']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim()).toBe('certdrill: cannot read /nonexistent/pki: no such file or folder');
  });
});

/**
 * `npm run rehearse --workload etcd` on etcd-manager's layout, the member
 * peer certificates expiring first (the kops incident's certificates) under a
 * ten-year peers CA: real etcd members under certdrill-clock, walked past the
 * peer certificates' expiry and then the CA's. What TLS predicts: kube-apiserver
 * (whose chain is still valid) sees nothing, raft keeps its leader over the
 * established peer connections, and a member restarted after the expiry
 * cannot rejoin.
 */
describe('npm run rehearse -- <kops pki folder> --workload etcd', () => {
  it("finds the peer certificates' expiry the first break, at the first restart after it, every expectation passing with evidence", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-rehearse-etcd-'));
    const { peers } = await kopsPkiFolder(join(dir, 'pki'), new Date(), { serverValidFor: '2y' });
    const out = join(dir, 'out');
    const run = await npmRun('rehearse', [join(dir, 'pki'), '--workload', 'etcd', '--out', out], { timeoutMs: 240_000 });
    expect(run.exitCode, run.all).toBe(0);
    const findings = await readFile(join(out, 'findings.md'), 'utf8');
    const answer = /^\*\*Answer:\*\* (.*)$/m.exec(findings)?.[1];
    const expiry = `${new Date(Math.max(...peers.map((p) => p.info.notAfter.getTime()))).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(answer).toMatch(
      new RegExp(
        `^First break: ${expiry}, when etcd-a's peer certificate, etcd-b's peer certificate and etcd-c's peer certificate expire: from then on a member that restarts cannot rejoin \\(all \\d+ etcdctl answers from etcd-a after its restart are Unhealthy\\)`,
      ),
    );
    expect(answer).toContain(`${expiry}: raft kept its leader over the established peer connections`);
    expect(findings).toMatch(/\*\*Result: PASS\*\* — 6 of 6 expectations hold\./);
    expect(findings).toMatch(
      /PASS \| \[.*the peers CA etcd-peers-ca-main expired: kube-apiserver sees etcd-b, etcd-c Healthy, etcd-a Unhealthy \(out of the cluster since its restart\)/,
    );
    expect(findings.match(/^Evidence:$/gm)?.length).toBe(6);
    expect(`${findings}${await readFile(join(out, 'certificates.md'), 'utf8')}`).not.toMatch(/PRIVATE KEY/);
  });
});
