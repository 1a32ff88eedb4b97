import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../src/cli/progress.js';

describe('progress', () => {
  it('says when a program exits, with the line before, and does not repeat it on every restart', () => {
    const out: string[] = [];
    const printer = progressPrinter((text) => out.push(text));
    const exit = {
      t: '2026-12-06T20:00:00.000Z',
      kind: 'log',
      node: 'etcd-a',
      topic: 'exit',
      text: 'certdrill: etcd-manager exited; restarting it in 2 s',
    } as const;
    printer.record({
      ...exit,
      lastWords: 'error writing private key file "/etc/kubernetes/pki/etcd-manager/etcd-manager-server-etcd-a.key": read-only file system',
    });
    printer.record({ ...exit, lastWords: 'the same again' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /etcd-a: certdrill: etcd-manager exited; restarting it in 2 s; the line before: error writing private key file .*read-only file system\n$/,
    );
  });
});
