import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { npmRun } from '../support/cli.js';
import { kopsPkiFolder } from '../support/pki-folders.js';

/** `npm run inspect -- SOURCE` as a user runs it (the script's command, without npm). */
const inspect = (args: string[], env: Record<string, string> = {}) => npmRun('inspect', args, { env, timeoutMs: 30_000 });

describe('npm run inspect', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certdrill-inspect-cli-'));
    await kopsPkiFolder(join(dir, 'pki-host'), new Date(), { leafValidFor: '400d', leafFrom: '-300d' });
    await writeFile(join(dir, 'pki-host', 'notes.crt'), 'copied from the wiki\n');
  }, 60_000);

  it('on a kops pki folder prints the table, the chart and the warnings, and exits 0; --out writes the same markdown', async () => {
    const out = join(dir, 'inventory.md');
    const run = await inspect([join(dir, 'pki-host'), '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\| etcd peer \(etcd-manager\): etcd-a \(mnt\/master-vol-0\/pki\/5f2a0e\/peers\/me\.crt\) \| CN=etcd-a/m);
    expect(run.stdout).toContain('```mermaid\ngantt');
    expect(run.stdout).toMatch(/^- not read: `notes\.crt` is neither a PEM nor a DER certificate$/m);
    expect((await readFile(out, 'utf8')).trimEnd()).toBe(run.stdout.trimEnd());
  });

  it.each([
    ['no source', [], /^certdrill: usage: npm run inspect -- SOURCE/],
    ['an unknown option', ['--bogus'], /^certdrill: Unknown option '--bogus'.*: usage: npm run inspect/],
    ['a missing folder', ['/nonexistent/pki'], /^certdrill: cannot read \/nonexistent\/pki: no such file or folder$/],
    ['a port with no TLS', ['127.0.0.1:1'], /^certdrill: 127\.0\.0\.1:1 gave no TLS certificate: connection refused$/],
  ])('%s: one line, exit 2', async (_name, args, message) => {
    const run = await inspect(args as string[]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
  });
});
