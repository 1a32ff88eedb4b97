import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSource } from '../../src/inventory/index.js';
import { rehearsalShape } from '../../src/inventory/rehearsal-shape.js';
import { etcdChains } from '../../src/workload/etcd/rehearse/rehearsal.js';
import { placeCertificates } from '../../src/pki/chains.js';
import { forgeCa, forgeLeaf } from '../../src/pki/index.js';
import { issuerWarnings, renderInventory } from '../../src/report/inventory.js';
import { UsageError } from '../../src/util/errors.js';
import { incidentSecretsFolder, kopsPkiFolder } from '../support/pki-folders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * `npm run inspect`'s reading and judging, on folders forged here and on real
 * TLS servers on the loopback: what it reports is what the certificates say.
 */

const now = new Date();
const temp = tempDirs();

describe('a kops etcd-manager pki folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await temp('kops');
    await kopsPkiFolder(dir, now);
  });

  it('reads the 2 CAs once each and the 6 member certificates, counts the 6 keys and never reads them', async () => {
    const inventory = await readSource(dir);
    expect(inventory.certificates).toHaveLength(12); // each member folder holds both CAs
    expect(inventory.keysSkipped).toBe(6);
    const { placed, warnings } = placeCertificates(inventory.certificates, now);
    expect(placed).toHaveLength(8);
    expect(warnings).toEqual([]);
    const roles = placed.map((p) => p.item.role).sort();
    expect(roles).toEqual(
      [
        ...Array(3).fill('etcd peer (etcd-manager)'),
        ...Array(3).fill('etcd server (etcd-manager)'),
        'etcd-manager clients CA',
        'etcd-manager peers CA',
      ].sort(),
    );
    // Every member certificate found its CA, and its chain ends in it.
    for (const p of placed.filter((q) => !q.item.info.isCa)) {
      expect(p.chain).toHaveLength(2);
      expect(p.chain.at(-1)!.info.isCa).toBe(true);
    }
  });

  it('prints the table, the first expiry, and a mermaid gantt chart with a bar per certificate and now', async () => {
    const markdown = renderInventory(await readSource(dir), now);
    expect(markdown).toMatch(/\*\*First to expire: etcd (peer|server) \(etcd-manager\): etcd-[abc] /);
    expect(markdown).toContain('| certificate | subject | issuer | SANs | not before | not after | residual time | expires first in its chain |');
    const chart = /```mermaid\n(gantt[\s\S]*?)```/.exec(markdown)?.[1];
    expect(chart).toBeDefined();
    expect(chart!.match(/ :(crit, )?c\d+, /g)).toHaveLength(8);
    expect(chart).toMatch(/now :milestone, \d{4}-\d\d-\d\d \d\d:\d\d, 0d/);
    expect(markdown).not.toContain('PRIVATE KEY');
  });
});

describe("the Erlang incident's shape, exported Secrets: a 30-day CA under 90-day leaves", () => {
  it('says the CA expires first and that every leaf outlives it, one line each', async () => {
    const dir = await temp('incident');
    const { ca, leaves } = await incidentSecretsFolder(dir, now);
    const inventory = await readSource(dir);
    expect(inventory.keysSkipped).toBe(4);
    const markdown = renderInventory(inventory, now);
    expect(markdown).toContain(
      `**First to expire: erlclu-ca (secret erlclu/erlclu-ca-key-pair in erlclu-ca-key-pair.yaml tls.crt), ${ca.info.notAfter.toISOString().slice(0, 10)}`,
    );
    expect(markdown).toMatch(/From then on these 3 certificates fail verification through it: erlclu-0 /);
    const outlive = markdown.split('\n').filter((l) => l.includes('outlives its CA CN=erlclu-ca'));
    expect(outlive).toHaveLength(leaves.length);
    expect(outlive[0]).toContain(ca.info.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    // The leaves' chains expire with the CA, not with themselves.
    for (const leaf of leaves) expect(markdown).toMatch(new RegExp(`\\| [^|]*${leaf.name}-tls[^|]*tls\\.crt\\) \\|.*\\| erlclu-ca \\(`));
    expect(markdown).not.toMatch(/PRIVATE KEY|tls\.key:/);
  });
});

describe('chains', () => {
  it('calls out an unknown issuer and a leaf whose named issuer did not sign it', async () => {
    const real = forgeCa('real', { validFor: '1y', commonName: 'same-name' }, now);
    const impostor = forgeCa('impostor', { validFor: '1y', commonName: 'same-name' }, now);
    const orphanCa = forgeCa('orphan-ca', { validFor: '1y', commonName: 'not-here' }, now);
    const leaf = forgeLeaf('leaf', { ca: real, validFor: '30d', commonName: 'leaf' }, now);
    const orphan = forgeLeaf('orphan', { ca: orphanCa, validFor: '30d', commonName: 'orphan' }, now);
    const item = (pem: string) => ({ cert: new X509Certificate(pem), info: forgeLeafInfo(pem), from: 'test' });
    const { warnings } = placeCertificates([item(impostor.certPem), item(leaf.certPem), item(orphan.certPem)], now);
    expect(warnings.map((w) => w.kind).sort()).toEqual(['bad signature', 'unknown issuer']);
  });
});

function forgeLeafInfo(pem: string) {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    altNames: [],
    isCa: cert.ca,
  };
}

describe('a folder mixing good and bad files', () => {
  it('reports the good certificates and lists each bad file with its reason', async () => {
    const dir = await temp('mixed');
    const ca = forgeCa('ca', { validFor: '1y', commonName: 'mixed-ca' }, now);
    await writeFile(join(dir, 'ca.crt'), ca.certPem);
    await writeFile(join(dir, 'garbage.crt'), 'not a certificate at all\n');
    await writeFile(join(dir, 'cut.pem'), ca.certPem.slice(0, 200));
    await writeFile(join(dir, 'bad-body.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await writeFile(join(dir, 'README'), 'not looked at');
    const inventory = await readSource(dir);
    expect(inventory.certificates.map((c) => c.from)).toEqual(['ca.crt']);
    expect(inventory.unreadable.map((u) => u.from).sort()).toEqual(['bad-body.pem', 'cut.pem', 'garbage.crt']);
    expect(inventory.unreadable.find((u) => u.from === 'cut.pem')!.reason).toMatch(/malformed PEM/);
    const markdown = renderInventory(inventory, now);
    expect(markdown).toMatch(/- not read: `garbage\.crt` is neither a PEM nor a DER certificate/);
  });
});

describe('bad sources: one line, a UsageError (exit 2 on the command line)', () => {
  let dir: string;
  let plain: Server;
  beforeAll(async () => {
    dir = await temp('bad');
    const ca = forgeCa('ca', { validFor: '1y' }, now);
    await writeFile(join(dir, 'key.pem'), ca.keyPem, { mode: 0o600 });
    await writeFile(
      join(dir, 'encrypted.key'),
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n',
      { mode: 0o600 },
    );
    await writeFile(join(dir, 'malformed.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    await writeFile(join(dir, 'text.crt'), 'hello\n');
    plain = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    plain.close();
  });

  it.each([
    ['a path that does not exist', () => '/nonexistent/certdrill-pki', /^cannot read \/nonexistent\/certdrill-pki: no such file or folder$/],
    ['a private key', () => join(dir, 'key.pem'), /key\.pem is a private key, not a certificate \(certdrill never reads keys\): give /],
    ['an encrypted private key', () => join(dir, 'encrypted.key'), /encrypted\.key is an encrypted private key, not a certificate: give /],
    ['a malformed PEM', () => join(dir, 'malformed.pem'), /malformed\.pem is a malformed PEM: certificate 1 of 1 does not parse/],
    ['a file that is not a certificate', () => join(dir, 'text.crt'), /text\.crt is neither a PEM nor a DER certificate: give /],
    ['neither a path, host:port nor kubernetes', () => 'no-such-thing', /^no-such-thing is not a source: give /],
    ['a closed port', () => '127.0.0.1:1', /^127\.0\.0\.1:1 gave no TLS certificate: connection refused$/],
  ])('%s', async (_name, source, message) => {
    const error = await readSource(source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('a port that does not speak TLS', async () => {
    const source = `127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const error = await readSource(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^${source.replace(/\./g, '\\.')} gave no TLS certificate: `));
  });

  it('a kubeconfig whose cluster does not answer', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster:',
        '    server: https://127.0.0.1:1',
        'contexts:',
        '- name: gone',
        '  context: {cluster: c, user: u}',
        'current-context: gone',
        'users:',
        '- name: u',
        '  user: {token: t}',
      ].join('\n'),
    );
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const error = await readSource('kubernetes').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^cannot list the Secrets of gone \(https:\/\/127\.0\.0\.1:1\): .*ECONNREFUSED/);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});

describe('host:port: the chain a real TLS server presents', () => {
  it('reads the leaf and the CA as served, and finds the leaf outliving its CA', async () => {
    const intermediate = forgeCa('intermediate', { validFor: '20d', commonName: 'local-intermediate' }, now);
    const leaf = forgeLeaf('server', { ca: intermediate, validFor: '60d', commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] }, now);
    const server = createTlsServer({ key: leaf.keyPem, cert: leaf.certPem + intermediate.certPem }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const source = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const inventory = await readSource(source);
      expect(inventory.certificates.map((c) => /CN=([^,]+)/.exec(c.info.subject)?.[1])).toEqual(['localhost', 'local-intermediate']);
      expect(inventory.certificates.map((c) => c.from)).toEqual([`${source} #1`, `${source} #2`]);
      const markdown = renderInventory(inventory, now);
      expect(markdown).toMatch(/CN=localhost, O=certdrill \(until .*\) outlives its CA CN=local-intermediate/);
    } finally {
      server.close();
    }
  });
});

describe('what a rehearsal replays', () => {
  it("the incident's shape: the 30-day CA and its 90-day leaves, the CA's expiry first, then the leaves'", async () => {
    const dir = await temp('shape');
    const { ca, leaves } = await incidentSecretsFolder(dir, now);
    const shape = rehearsalShape(await readSource(dir), now);
    expect(shape.ca.notAfter).toEqual(ca.info.notAfter);
    expect(shape.leaves).toHaveLength(3);
    // The leaves, forged a moment apart, expire within a minute of each other: one instant, at the last of them.
    expect(shape.instants.map((i) => i.at)).toEqual([ca.info.notAfter, new Date(Math.max(...leaves.map((l) => l.info.notAfter.getTime())))]);
    expect(shape.instants.map((i) => i.expiring)).toEqual([['erlclu-ca'], ['erlclu-0', 'erlclu-1', 'erlclu-2']]);
  });

  it("on etcd, a kops chain becomes the chain its place names; kubeadm's one etcd CA, both", async () => {
    const kops = await temp('kops-shape');
    await kopsPkiFolder(kops, now, { leafValidFor: '1y' });
    const chains = etcdChains(rehearsalShape(await readSource(kops), now));
    expect(chains.replays === 'clients' ? chains.serverLeaves : chains.peerLeaves).toHaveLength(3);
    expect(chains.replays === 'clients' ? [chains.clientsCa?.name, chains.peersCa] : [chains.peersCa?.name, chains.clientsCa]).toEqual([
      `etcd-${chains.replays}-ca-main`,
      undefined,
    ]);
    const kubeadm = await temp('kubeadm-shape');
    const ca = forgeCa('etcd-ca', { validFor: '10y', commonName: 'etcd-ca' }, now);
    await mkdir(join(kubeadm, 'etcd'), { recursive: true });
    await writeFile(join(kubeadm, 'etcd/ca.crt'), ca.certPem);
    await writeFile(join(kubeadm, 'etcd/peer.crt'), forgeLeaf('peer', { ca, validFor: '1y' }, now).certPem);
    await writeFile(join(kubeadm, 'etcd/server.crt'), forgeLeaf('server', { ca, validFor: '2y' }, now).certPem);
    await writeFile(join(kubeadm, 'etcd/healthcheck-client.crt'), forgeLeaf('healthcheck', { ca, validFor: '3y', usages: ['client'] }, now).certPem);
    const both = etcdChains(rehearsalShape(await readSource(kubeadm), now));
    expect(both.replays).toBe('both');
    expect([both.peerLeaves.map((w) => w.name), both.serverLeaves.map((w) => w.name), both.client?.name]).toEqual([
      ['peer'],
      ['server'],
      'healthcheck',
    ]);
  });

  it('refuses, in one line, a source with no CA beside a leaf it signed, or a chain already expired', async () => {
    const lone = await temp('lone');
    await writeFile(join(lone, 'ca.crt'), forgeCa('ca', { validFor: '1y' }, now).certPem);
    expect(() => rehearsalShape({ source: lone, certificates: [], unreadable: [], keysSkipped: 0, certManager: [] }, now)).toThrow(
      /holds no CA together with a leaf it signed/,
    );
    const expired = forgeCa('old', { from: '-40d', validFor: '30d', commonName: 'old-ca' }, now);
    const leaf = forgeLeaf('leaf', { ca: expired, from: '-40d', validFor: '90d' }, now);
    const old = await temp('old');
    await writeFile(join(old, 'ca.crt'), expired.certPem);
    await writeFile(join(old, 'leaf.crt'), leaf.certPem);
    await expect(readSource(old).then((inv) => rehearsalShape(inv, now))).rejects.toThrow(
      /^old-ca \(ca\.crt\) expired on .*: its chain is broken already/,
    );
  });
});

describe("cert-manager's Issuers, as inspect lists them", () => {
  const now = new Date('2026-12-07T00:00:00Z');
  const issuer = (name: string, notAfter: string, ready = 'True') => ({
    kind: 'Issuer' as const,
    namespace: 'erlclu',
    name,
    caSecret: `erlclu/${name}-key-pair`,
    ca: { subject: `CN=${name}-ca`, notAfter: new Date(notAfter) },
    readyStatus: ready,
    ready: `${ready} (KeyPairVerified: Signing CA verified)`,
  });

  it('warns of a Ready Issuer on an expired CA and of one that would sign leaves outliving its CA, and of neither for a CA with years left', () => {
    const notes = issuerWarnings(
      [issuer('expired', '2026-12-01T00:00:00Z'), issuer('soon', '2027-01-06T00:00:00Z'), issuer('fine', '2029-01-01T00:00:00Z')],
      now,
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(
      /^Issuer erlclu\/expired is Ready, but its CA CN=expired-ca expired 2026-12-01 00:00:00 UTC: cert-manager signs with it anyway/,
    );
    expect(notes[1]).toMatch(/^Issuer erlclu\/soon would sign leaves outliving its CA CN=soon-ca \(2027-01-06 00:00:00 UTC, 30d left\)/);
  });

  it('lists each Issuer with its CA Secret, its CA and its Ready condition, and puts the warnings with the others', () => {
    const inventory = {
      source: 'kubernetes',
      certificates: [],
      unreadable: [],
      keysSkipped: 0,
      certManager: [],
      issuers: [issuer('expired', '2026-12-01T00:00:00Z')],
    };
    const page = renderInventory(inventory, now);
    expect(page).toContain('## cert-manager Issuers');
    expect(page).toMatch(
      /^\| Issuer erlclu\/expired \| erlclu\/expired-key-pair \| CN=expired-ca \| 2026-12-01 00:00 \(expired 6d ago\) \| True \(KeyPairVerified: Signing CA verified\) \|$/m,
    );
    expect(page).toMatch(/^## Warnings\n\n- Issuer erlclu\/expired is Ready, but its CA/m);
  });
});
