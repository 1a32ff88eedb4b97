import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgeCa, forgeLeaf, inspectCertificate, validityAt, writeForged, type Forged } from '../../src/pki/index.js';
import { resolveWindow, ValidityError } from '../../src/pki/validity.js';

const reference = new Date('2026-11-23T12:00:00Z');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certdrill-pki-'));
});

async function openssl(...args: string[]) {
  return execa('openssl', args, { reject: false, all: true });
}

async function files(forged: Forged) {
  return writeForged(dir, forged);
}

/** openssl's `-attime` takes seconds since the epoch. */
const epoch = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));

describe('forged certificates, as the real openssl reads them', () => {
  it('a CA and a leaf carry the dates, names and usages asked for, and chain', async () => {
    const ca = forgeCa('test-ca', { validFor: '30d' }, reference);
    const leaf = forgeLeaf('node1', { ca, validFor: '90d', altNames: ['node1', 'node1.certdrill', '10.1.2.3'] }, reference);
    const caFiles = await files(ca);
    const leafFiles = await files(leaf);

    const text = (
      await openssl(
        'x509',
        '-in',
        leafFiles.certPath,
        '-noout',
        '-startdate',
        '-enddate',
        '-serial',
        '-subject',
        '-issuer',
        '-ext',
        'subjectAltName,extendedKeyUsage',
      )
    ).all!;
    expect(text).toContain('notBefore=Nov 23 12:00:00 2026 GMT');
    expect(text).toContain('notAfter=Feb 21 12:00:00 2027 GMT');
    expect(text).toMatch(/subject=CN ?= ?node1, O ?= ?certdrill/);
    expect(text).toMatch(/issuer=CN ?= ?test-ca, O ?= ?certdrill/);
    expect(text).toContain('DNS:node1, DNS:node1.certdrill, IP Address:10.1.2.3');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text.toLowerCase()).toContain(`serial=${leaf.info.serial.toLowerCase()}`);

    const inside = await openssl('verify', '-attime', epoch('2026-12-01T00:00:00Z'), '-CAfile', caFiles.certPath, leafFiles.certPath);
    expect(inside.all).toContain(': OK');
    expect(inside.exitCode).toBe(0);
  });

  it('openssl rejects the chain once the 30-day CA has expired, though the leaf has not', async () => {
    const ca = forgeCa('short-ca', { validFor: '30d' }, reference);
    const leaf = forgeLeaf('node2', { ca, validFor: '90d' }, reference);
    const caFiles = await files(ca);
    const leafFiles = await files(leaf);
    const after = await openssl('verify', '-attime', epoch('2026-12-24T12:00:00Z'), '-CAfile', caFiles.certPath, leafFiles.certPath);
    expect(after.exitCode).not.toBe(0);
    expect(after.all).toContain('certificate has expired');
  });

  it('windows wholly in the past and wholly in the future are written as asked', async () => {
    const ca = forgeCa('wide-ca', { from: '-400d', validFor: '1000d' }, reference);
    const past = forgeLeaf('past', { ca, from: '2019-11-05T23:26:23Z', validFor: '1y' }, reference);
    const future = forgeLeaf('future', { ca, from: '+2h', until: '+30d' }, reference);
    const caFiles = await files(ca);

    expect(past.info.notAfter.toISOString()).toBe('2020-11-04T23:26:23.000Z');
    const pastVerify = await openssl('verify', '-attime', epoch(reference.toISOString()), '-CAfile', caFiles.certPath, (await files(past)).certPath);
    expect(pastVerify.all).toContain('certificate has expired');

    expect(future.info.notBefore.toISOString()).toBe('2026-11-23T14:00:00.000Z');
    const futureVerify = await openssl(
      'verify',
      '-attime',
      epoch(reference.toISOString()),
      '-CAfile',
      caFiles.certPath,
      (await files(future)).certPath,
    );
    expect(futureVerify.all).toContain('certificate is not yet valid');
    expect(validityAt(future.info, reference)).toBe('not yet valid');
    expect(validityAt(past.info, reference)).toBe('expired');
  });

  it('inspect reads back what openssl reads', async () => {
    const ca = forgeCa('inspect-ca', { validFor: '10d' }, reference);
    const info = inspectCertificate(ca.certPem);
    const { certPath } = await files(ca);
    const dates = (await openssl('x509', '-in', certPath, '-noout', '-dates')).all!;
    expect(dates).toContain(`notAfter=${opensslDate(info.notAfter)}`);
    expect(info.isCa).toBe(true);
    expect(info.subject).toBe('CN=inspect-ca, O=certdrill');
  });

  it('keys are written with mode 0600, certificates readable', async () => {
    const ca = forgeCa('mode-ca', { validFor: '1d' }, reference);
    const { certPath, keyPath } = await files(ca);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(certPath)).mode & 0o777).toBe(0o644);
  });
});

describe('validity windows', () => {
  it('resolves offsets from the reference and absolute instants', () => {
    expect(resolveWindow({ from: '-36d', validFor: '30d' }, reference)).toEqual({
      notBefore: new Date('2026-10-18T12:00:00Z'),
      notAfter: new Date('2026-11-17T12:00:00Z'),
    });
    expect(resolveWindow({ until: '2027-01-01T00:00:00Z' }, reference).notAfter).toEqual(new Date('2027-01-01T00:00:00Z'));
  });

  it('rejects windows that cannot be', () => {
    expect(() => resolveWindow({ validFor: '-3d' }, reference)).toThrow(ValidityError);
    expect(() => resolveWindow({ from: '+2d', until: '+1d' }, reference)).toThrow(/not after/);
    expect(() => resolveWindow({ from: 'yesterday', validFor: '1d' }, reference)).toThrow(/neither an ISO 8601 instant nor an offset/);
    expect(() => resolveWindow({}, reference)).toThrow(/until.*validFor/);
  });
});

function opensslDate(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `${months[date.getUTCMonth()]} ${day} ${date.toISOString().slice(11, 19)} ${date.getUTCFullYear()} GMT`;
}
