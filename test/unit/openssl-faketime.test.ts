import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { forgeCa, forgeWithOpenssl, writeForged } from '../../src/pki/index.js';

describe('certificates issued by the real openssl under faketime', () => {
  it("reproduces the kops incident's certificate: issued Nov 5 2019, one year and a day", async () => {
    const reference = new Date('2026-11-23T00:00:00Z');
    const ca = forgeCa('etcd-peers-ca', { from: '2019-01-01T00:00:00Z', validFor: '10y' }, reference);
    const cert = await forgeWithOpenssl('etcd-a', { ca, issuedAt: '2019-11-05T23:26:23Z', days: 367, altNames: ['etcd-a', '127.0.0.1'] }, reference);

    expect(cert.info.notBefore.toISOString()).toBe('2019-11-05T23:26:23.000Z');
    expect(cert.info.notAfter.toISOString()).toBe('2020-11-06T23:26:23.000Z');
    expect(cert.info.issuer).toBe('CN=etcd-peers-ca, O=certdrill');
    expect(cert.info.altNames).toEqual(['DNS:etcd-a', 'IP:127.0.0.1']);
    expect(cert.madeBy).toBe("openssl under faketime '2019-11-05 23:26:23', -days 367");
    expect(cert.keyPem).toContain('PRIVATE KEY');

    const dir = await mkdtemp(join(tmpdir(), 'certdrill-openssl-'));
    const caFiles = await writeForged(dir, ca);
    const certFiles = await writeForged(dir, cert);
    const inWindow = await execa(
      'openssl',
      ['verify', '-attime', String(Date.parse('2020-06-01T00:00:00Z') / 1000), '-CAfile', caFiles.certPath, certFiles.certPath],
      { reject: false, all: true },
    );
    expect(inWindow.all).toContain(': OK');
    const now = await execa('openssl', ['verify', '-CAfile', caFiles.certPath, certFiles.certPath], { reject: false, all: true });
    expect(now.all).toContain('certificate has expired');
  });

  it('makes a self-signed CA when no CA is given', async () => {
    const ca = await forgeWithOpenssl('old-ca', { issuedAt: '2018-01-01T00:00:00Z', days: 3650 });
    expect(ca.info.isCa).toBe(true);
    expect(ca.info.subject).toBe(ca.info.issuer);
    expect(ca.info.notBefore.toISOString()).toBe('2018-01-01T00:00:00.000Z');
  });
});
