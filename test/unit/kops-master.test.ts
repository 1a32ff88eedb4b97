import { describe, expect, it } from 'vitest';
import { classifyEtcdLogLine } from '../../src/workload/etcd/logs.js';
import { apiserverError, describeWhere, kubectlFailure, parseHeld } from '../../src/workload/etcd/manager/master.js';

describe("a kops master's log lines (etcd-manager and kube-apiserver, beside etcd's)", () => {
  it("keeps etcd-manager's certificate and leadership lines as log records", () => {
    const line = 'I1205 15:38:34.273195      19 pki.go:39] generating peer keypair for etcd: {CommonName:etcd-a}';
    expect(classifyEtcdLogLine(line)).toEqual({ kind: 'log', topic: 'certificate', text: line });
    expect(classifyEtcdLogLine('I1205 14:40:53.376410      20 controller.go:269] I am leader with token "rWIQ"')).toMatchObject({
      kind: 'log',
      topic: 'leader',
    });
    expect(classifyEtcdLogLine('I1205 14:40:41.375218      20 peers.go:101] found new candidate peer from discovery: etcd-a')).toBeNull();
  });

  it("classifies x509 failures in etcd-manager's and kube-apiserver's lines as alerts", () => {
    const manager =
      'W1206 15:45:14.305937   10463 peers.go:325] unable to grpc-ping discovered peer etcd-c:3996: rpc error: ... tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    expect(classifyEtcdLogLine(manager)).toMatchObject({ kind: 'alert', class: 'certificate-expired' });
    const apiserver =
      'kube-apiserver: W1206 15:38:42.793331    1570 logging.go:55] [core] grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.1:4001"}. Err: x509: certificate has expired or is not yet valid';
    expect(classifyEtcdLogLine(apiserver)).toMatchObject({ kind: 'alert', class: 'certificate-expired', text: apiserver });
    expect(
      classifyEtcdLogLine(
        'kube-apiserver: F1205 15:38:33.275325      23 instance.go:226] Error creating leases: error creating storage factory: context deadline exceeded',
      ),
    ).toMatchObject({ kind: 'log', topic: 'apiserver' });
  });
});

describe('what a kops master holds and serves', () => {
  const out = [
    'file /mnt/master-vol-vol-etcd-a/pki/P9p5W2kOpt5vaZ1CWn3w6g/peers/me.crt|serial=6739D5F6A421FFD3|notBefore=Jan  1 00:00:00 2019 GMT|notAfter=Dec  5 15:43:50 2027 GMT|sha256 Fingerprint=F2:BD:5E|issuer=O=certdrill,CN=etcd-peers-ca|',
    'port 2380|',
    'port 3996|serial=108B|notBefore=Jan  1 00:00:00 2019 GMT|notAfter=Dec  5 15:43:28 2027 GMT|sha256 Fingerprint=E1:13|issuer=O=certdrill,CN=etcd-manager-ca|',
  ].join('\n');

  it("reads openssl's fields, and skips a port that presented nothing", () => {
    expect(parseHeld(out)).toEqual([
      {
        where: 'file /mnt/master-vol-vol-etcd-a/pki/P9p5W2kOpt5vaZ1CWn3w6g/peers/me.crt',
        serial: '6739d5f6a421ffd3',
        notBefore: '2019-01-01T00:00:00.000Z',
        notAfter: '2027-12-05T15:43:50.000Z',
        fingerprint: 'f2:bd:5e',
        issuer: 'O=certdrill,CN=etcd-peers-ca',
      },
      {
        where: 'port 3996',
        serial: '108b',
        notBefore: '2019-01-01T00:00:00.000Z',
        notAfter: '2027-12-05T15:43:28.000Z',
        fingerprint: 'e1:13',
        issuer: 'O=certdrill,CN=etcd-manager-ca',
      },
    ]);
  });

  it('says where as a kops operator would', () => {
    expect(describeWhere('file /mnt/master-vol-a/pki/xyz/clients/server.crt')).toBe('clients/server.crt on the volume');
    expect(describeWhere('file /etc/kubernetes/pki/etcd-manager/etcd-manager-server-etcd-a.crt')).toBe('etcd-manager-server-etcd-a.crt in --pki-dir');
    expect(describeWhere('port 3996')).toBe('served on :3996 (etcd-manager gRPC)');
  });

  it('gives one stable line for kube-apiserver not serving, whatever kubectl stamped on it', () => {
    const a =
      'E1205 15:38:12.405419      61 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: Get \\"https://127.0.0.1:6443/api?timeout=30s\\": dial tcp 127.0.0.1:6443: connect: connection refused"';
    const b = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?';
    expect(apiserverError(a)).toBe(apiserverError(b));
    expect(apiserverError('Unable to connect to the server: read tcp 127.0.0.1:48410->127.0.0.1:6443: read: connection reset by peer')).toBe(
      'kube-apiserver is not serving (connection to :6443 reset)',
    );
  });

  it("counts kube-apiserver not serving and kubectl's own deadline as no answer, and kube-apiserver's verdicts on etcd as answers", () => {
    expect(kubectlFailure('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')).toEqual({
      error: 'kube-apiserver is not serving (connection to :6443 refused)',
      noAnswer: true,
    });
    expect(
      kubectlFailure('Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)'),
    ).toMatchObject({ noAnswer: true });
    expect(
      kubectlFailure(
        'Error from server (InternalError): an error on the server ("[-]etcd failed: reason withheld\nreadyz check failed") has prevented the request from succeeding',
      ),
    ).not.toHaveProperty('noAnswer');
  });
});
