import { describe, expect, it } from 'vitest';
import { classifyErlangLogLine } from '../../src/workload/erlang/logs.js';
import { classifyTlsFailure } from '../../src/workload/tls-alert-class.js';

describe('Erlang log lines', () => {
  it("classifies the incident line, with side, direction and the node's time stamp", () => {
    const line = '2026-12-24T03:10:48.533619+00:00 notice TLS server: In state certify received CLIENT ALERT: Fatal - Certificate Expired';
    expect(classifyErlangLogLine(line)).toEqual({
      kind: 'alert',
      class: 'certificate-expired',
      text: line,
      side: 'server',
      direction: 'received',
      nodeTime: '2026-12-24T03:10:48.533Z',
    });
  });

  it('classifies the dialling side', () => {
    const line =
      '2026-12-24T03:10:49.133537+00:00 notice TLS client: In state certify at ssl_handshake.erl:2094 generated CLIENT ALERT: Fatal - Certificate Expired';
    expect(classifyErlangLogLine(line)).toMatchObject({ class: 'certificate-expired', side: 'client', direction: 'generated' });
  });

  it.each([
    [
      'TLS client: In state certify at ssl_handshake.erl:2111 generated CLIENT ALERT: Fatal - Handshake Failure - {bad_cert,hostname_check_failed}',
      'hostname-mismatch',
    ],
    ['TLS server: In state certify received CLIENT ALERT: Fatal - Unknown CA', 'unknown-ca'],
    ['TLS server: In state wait_cert received CLIENT ALERT: Fatal - Bad Certificate', 'bad-certificate'],
    ['TLS client: In state connection received SERVER ALERT: Fatal - Internal Error', 'other'],
  ])('%s → %s', (message, cls) => {
    expect(classifyErlangLogLine(`2026-11-23T00:00:00.000000+00:00 notice ${message}`)).toMatchObject({ kind: 'alert', class: cls });
  });

  it('keeps membership changes and pre-flight verdicts as log events', () => {
    expect(
      classifyErlangLogLine('2026-11-23T03:10:31.668699+00:00 notice certdrill: nodeup certdrill@node2, connected [certdrill@node2]'),
    ).toMatchObject({
      kind: 'log',
      topic: 'membership',
      nodeTime: '2026-11-23T03:10:31.668Z',
    });
    expect(
      classifyErlangLogLine('certdrill preflight: refusing to start: CA CN=cluster-ca expired at 2026-12-23T03:10:29Z, now 2026-12-24T03:48:52Z'),
    ).toMatchObject({
      kind: 'log',
      topic: 'preflight',
    });
  });

  it('ignores every other line', () => {
    expect(
      classifyErlangLogLine('2026-11-23T03:10:31.015599+00:00 notice certdrill: node certdrill@node1 started, peers certdrill@node1'),
    ).toBeNull();
    expect(classifyErlangLogLine('')).toBeNull();
  });
});

describe('Go crypto/tls failures (etcd)', () => {
  it.each([
    ['embed: rejected connection from "127.0.0.1:40902" (error "remote error: tls: bad certificate", ServerName "")', 'bad-certificate'],
    [
      'rafthttp: health check for peer 8e9e05c52164694d could not connect: x509: certificate has expired or is not yet valid: current time 2026-11-23T03:00:00Z is after 2020-11-06T23:26:23Z',
      'certificate-expired',
    ],
    ['x509: certificate has expired or is not yet valid: current time 2026-11-23T03:00:00Z is before 2027-01-01T00:00:00Z', 'not-yet-valid'],
    ['x509: certificate signed by unknown authority', 'unknown-ca'],
    ['x509: certificate is valid for etcd-a, not etcd-b', 'hostname-mismatch'],
  ])('%s → %s', (text, cls) => {
    expect(classifyTlsFailure(text)).toBe(cls);
  });
});

describe("Go's words for TLS alerts", () => {
  it('reads "expired certificate", the name Go gives the certificate_expired alert (etcd 3.5.16\'s gRPC gateway logged it)', () => {
    expect(classifyTlsFailure('Err: connection error: desc = "error reading server preface: remote error: tls: expired certificate"')).toBe(
      'certificate-expired',
    );
  });
});
