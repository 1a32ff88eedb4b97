import { describe, expect, it } from 'vitest';
import { classifyEtcdLogLine } from '../../src/workload/etcd/logs.js';

describe('etcd log lines', () => {
  it('classifies the incident\'s rejected connection, with the member\'s time stamp', () => {
    const line = '2026-11-23 03:31:27.100106 I | embed: rejected connection from "127.0.0.1:40902" (error "remote error: tls: bad certificate", ServerName "")';
    expect(classifyEtcdLogLine(line)).toEqual({ kind: 'alert', class: 'bad-certificate', text: line, nodeTime: '2026-11-23T03:31:27.100Z' });
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
    expect(classifyEtcdLogLine('2026-11-23 03:30:52.223421 I | embed: ready to serve client requests')).toMatchObject({ kind: 'log', topic: 'ready' });
    expect(classifyEtcdLogLine('2026-11-23 03:30:51.434565 I | etcdmain: etcd Version: 3.4.23')).toMatchObject({ kind: 'log', topic: 'start' });
  });

  it('reads etcd 3.5\'s JSON lines', () => {
    const line = '{"level":"warn","ts":"2026-11-23T03:31:27.100Z","caller":"embed/config_logging.go:160","msg":"rejected connection","remote-addr":"10.0.0.2:4242","server-name":"","error":"remote error: tls: bad certificate"}';
    expect(classifyEtcdLogLine(line)).toMatchObject({ kind: 'alert', class: 'bad-certificate', nodeTime: '2026-11-23T03:31:27.100Z' });
  });

  it('ignores ordinary lines', () => {
    expect(classifyEtcdLogLine('2026-11-23 03:30:51.435538 I | embed: name = etcd-a')).toBeNull();
    expect(classifyEtcdLogLine("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead")).toBeNull();
  });
});
