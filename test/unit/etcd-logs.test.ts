import { describe, expect, it } from 'vitest';
import { classifyEtcdLogLine, isKubeApiserverLine } from '../../src/workload/etcd/logs.js';

describe('etcd log lines', () => {
  it("classifies the incident's rejected connection, with the member's time stamp", () => {
    const line =
      '2026-11-23 03:31:27.100106 I | embed: rejected connection from "127.0.0.1:40902" (error "remote error: tls: bad certificate", ServerName "")';
    expect(classifyEtcdLogLine(line)).toEqual({
      kind: 'alert',
      class: 'bad-certificate',
      text: line,
      nodeTime: '2026-11-23T03:31:27.100Z',
      channel: 'client',
    });
  });

  it('tells which connection a TLS failure is about: peer transport, a client in the node, another master, etcd-manager, kube-apiserver', () => {
    const channel = (line: string) => (classifyEtcdLogLine(line) as { channel?: string } | null)?.channel;
    expect(
      channel(
        '2027-12-06 16:21:36.434580 W | rafthttp: health check for peer 1a7b723ee72631c6 could not connect: x509: certificate has expired or is not yet valid: current time 2027-12-06T16:21:33Z is after 2027-12-05T16:20:55Z',
      ),
    ).toBe('peer');
    expect(
      channel(
        '2027-12-06 16:21:18.824603 I | embed: rejected connection from "172.25.0.4:52932" (error "remote error: tls: bad certificate", ServerName "etcd-a")',
      ),
    ).toBe('remote');
    expect(
      channel(
        '2027-12-06 16:21:18.131503 I | embed: rejected connection from "127.0.0.1:42684" (error "remote error: tls: bad certificate", ServerName "")',
      ),
    ).toBe('client');
    expect(
      channel(
        'W1206 16:22:04.639281    7630 peers.go:325] unable to grpc-ping discovered peer etcd-a:3996: rpc error: code = Unavailable desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate has expired or is not yet valid"',
      ),
    ).toBe('manager');
    expect(
      channel(
        'kube-apiserver: W1206 16:21:18.128395    2522 logging.go:55] [core] grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.1:4001", }. Err: connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate has expired or is not yet valid"',
      ),
    ).toBe('client');
    expect(
      channel(
        '{"level":"warn","ts":"2026-11-23T19:17:19.991768Z","caller":"embed/config_logging.go:170","msg":"rejected connection on peer endpoint","remote-addr":"172.22.0.2:56828","server-name":"etcd-a","error":"remote error: tls: bad certificate"}',
      ),
    ).toBe('peer');
    expect(
      channel(
        '{"level":"warn","ts":"2026-11-23T19:17:41.243613Z","caller":"embed/config_logging.go:170","msg":"rejected connection on client endpoint","remote-addr":"172.22.0.3:35272","server-name":"","error":"remote error: tls: bad certificate"}',
      ),
    ).toBe('client');
  });

  it('classifies the rafthttp health-check failure as an expired certificate', () => {
    const line =
      '2026-11-23 03:31:23.600253 W | rafthttp: health check for peer 8cb2b2359f91700 could not connect: x509: certificate has expired or is not yet valid: current time 2026-11-23T03:31:22Z is after 2020-11-06T23:26:24Z';
    expect(classifyEtcdLogLine(line)).toMatchObject({ kind: 'alert', class: 'certificate-expired' });
  });

  it('keeps raft and readiness events as log records', () => {
    expect(classifyEtcdLogLine('raft2026/11/23 03:30:52 INFO: dc4fb03b9423b5a8 became leader at term 2')).toEqual({
      kind: 'log',
      topic: 'leader',
      text: 'raft2026/11/23 03:30:52 INFO: dc4fb03b9423b5a8 became leader at term 2',
      nodeTime: '2026-11-23T03:30:52.000Z',
    });
    expect(classifyEtcdLogLine('2026-11-23 03:30:52.223421 I | embed: ready to serve client requests')).toMatchObject({
      kind: 'log',
      topic: 'ready',
    });
    expect(classifyEtcdLogLine('2026-11-23 03:30:51.434565 I | etcdmain: etcd Version: 3.4.23')).toMatchObject({ kind: 'log', topic: 'start' });
  });

  it("marks a kops master's program exiting, which start-master.sh logs before it restarts it", () => {
    expect(classifyEtcdLogLine('certdrill: etcd-manager exited; restarting it in 2 s')).toMatchObject({ kind: 'log', topic: 'exit' });
    expect(classifyEtcdLogLine('certdrill: kube-apiserver exited; restarting it in 2 s')).toMatchObject({ kind: 'log', topic: 'exit' });
    expect(isKubeApiserverLine('certdrill: kube-apiserver exited; restarting it in 2 s')).toBe(true);
    expect(isKubeApiserverLine('kube-apiserver: I1206 16:21:18.128395    2522 secure_serving.go:213] Serving securely on [::]:6443')).toBe(true);
    expect(isKubeApiserverLine('I1206 16:21:18.128395    2522 main.go:100] I am leader with token abc')).toBe(false);
    expect(classifyEtcdLogLine('certdrill: etcd-manager restarted')).toMatchObject({ kind: 'log', topic: 'start' });
  });

  // Lines etcd 3.5.16 (Debian trixie) really logged in certdrill's runs: zap JSON, other words for the same events.
  it("reads etcd 3.5's JSON lines: a peer rejected", () => {
    const line =
      '{"level":"warn","ts":"2026-11-23T19:17:19.991768Z","caller":"embed/config_logging.go:170","msg":"rejected connection on peer endpoint","remote-addr":"172.22.0.2:56828","server-name":"etcd-a","error":"remote error: tls: bad certificate"}';
    expect(classifyEtcdLogLine(line)).toMatchObject({ kind: 'alert', class: 'bad-certificate', nodeTime: '2026-11-23T19:17:19.991Z' });
  });

  it("reads etcd 3.5's JSON lines: a client rejected on an expired serving certificate", () => {
    const line =
      '{"level":"warn","ts":"2026-11-23T19:17:41.243613Z","caller":"embed/config_logging.go:170","msg":"rejected connection on client endpoint","remote-addr":"127.0.0.1:35272","server-name":"","error":"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-23T19:17:41Z is after 2020-11-06T23:26:23Z"}';
    expect(classifyEtcdLogLine(line)).toMatchObject({ kind: 'alert', class: 'certificate-expired' });
  });

  it("reads etcd 3.5's JSON lines: leader and readiness", () => {
    expect(
      classifyEtcdLogLine(
        '{"level":"info","ts":"2026-11-23T19:17:41.174016Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"c1072a9f7312cc29 became leader at term 2"}',
      ),
    ).toMatchObject({ kind: 'log', topic: 'leader' });
    expect(
      classifyEtcdLogLine('{"level":"info","ts":"2026-11-23T19:17:41.198323Z","caller":"embed/serve.go:104","msg":"ready to serve client requests"}'),
    ).toMatchObject({ kind: 'log', topic: 'ready' });
  });

  it('ignores a connection closed before any TLS: a port check, not a TLS failure', () => {
    expect(
      classifyEtcdLogLine('2026-11-24 02:21:30.343281 I | embed: rejected connection from "10.244.0.1:39300" (error "EOF", ServerName "")'),
    ).toBeNull();
    expect(
      classifyEtcdLogLine('2026-11-24 02:21:30.343281 I | embed: rejected connection from "10.244.0.1:39300" (error "EOF", ServerName "etcd-a")'),
    ).toMatchObject({ kind: 'alert' });
  });

  it('ignores ordinary lines', () => {
    expect(classifyEtcdLogLine('2026-11-23 03:30:51.435538 I | embed: name = etcd-a')).toBeNull();
    expect(classifyEtcdLogLine("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead")).toBeNull();
  });
});
