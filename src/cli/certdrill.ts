#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine, invocationFrom, invokedAs, type Subcommand as SubcommandName } from '../util/command-words.js';
import { runChild } from '../util/child-process.js';
import { certdrillVersion } from '../util/package-root.js';

/**
 * The `certdrill` command of the installed package. Each subcommand's module
 * is imported only when that subcommand runs, so `certdrill list` never loads
 * Docker's or Kubernetes' client libraries.
 */

interface Subcommand {
  summary: string;
  /** Its own usage, for a subcommand whose module's usage covers more than it (the scenario command's) or has none. */
  ownHelp?: true;
  /** The module that runs it, and the arguments it gets. */
  load: () => Promise<{ command: (argv: string[]) => void }>;
  argv: (rest: string[]) => string[];
}

const scenarioCli = () => import('./main.js');

/** The command table: every subcommand, its one-line usage and the module that runs it. */
const SUBCOMMANDS: Record<Exclude<SubcommandName, 'help' | 'version'>, Subcommand> = {
  run: {
    summary: 'run <scenario|file> [--out DIR] [--platform docker|kind] [--keep-cluster]   one scenario, by name or file',
    load: scenarioCli,
    argv: (rest) => rest,
  },
  all: {
    summary: 'all [--out DIR] [--summary FILE] [--platform docker|kind]   every scenario, one findings page',
    load: scenarioCli,
    argv: (rest) => ['all', ...rest],
    ownHelp: true,
  },
  list: { summary: 'list [--json]   the scenarios, with what each rehearses', load: scenarioCli, argv: (rest) => ['--list', ...rest], ownHelp: true },
  prepare: {
    summary: 'prepare [--platform kind]   build (or reuse) the images the scenarios run',
    load: scenarioCli,
    argv: (rest) => ['--prepare', ...rest],
    ownHelp: true,
  },
  cleanup: {
    summary:
      'cleanup [--platform kind [--cluster] | --platform kubernetes [--context NAME]]   remove what interrupted runs left behind (--cluster: and a kept kind cluster)',
    load: scenarioCli,
    argv: (rest) => ['--cleanup', ...rest],
    ownHelp: true,
  },
  inspect: {
    summary: "inspect SOURCE [--out FILE]   a cluster's certificates: when each expires, and what breaks first",
    load: () => import('./inspect.js'),
    argv: (rest) => rest,
  },
  rehearse: {
    summary: "rehearse SOURCE [--workload erlang|etcd] [--out DIR]   replay a real cluster's chain through its expiries",
    load: () => import('./rehearse.js'),
    argv: (rest) => rest,
  },
  doctor: {
    summary: 'doctor [--platform docker|kind|kubernetes] [--context NAME]   whether a run can go there: kubernetes, every permission it needs',
    load: () => import('./doctor.js'),
    argv: (rest) => rest,
  },
  stability: {
    summary: 'stability <scenario...|all> [--runs N] [--load N]   run them N times and count each verdict',
    load: () => import('./stability.js'),
    argv: (rest) => rest,
  },
  matrix: {
    summary: 'matrix [--platform docker|kind]... [--cell NAME]... [--rerun] [--plan]   every scenario on each version of each workload',
    load: () => import('./run-matrix.js'),
    argv: (rest) => rest,
  },
  'matrix-report': {
    summary: "matrix-report DIR...   merge runs' results into one matrix page",
    load: () => import('./matrix.js'),
    argv: (rest) => rest,
  },
  'kind-image': {
    summary: 'kind-image   build kind and its node image from the Go module proxy (what --platform kind needs where no registry gives them)',
    load: async () => ({ command: kindImage }),
    argv: (rest) => rest,
    ownHelp: true,
  },
  'base-image': {
    summary: 'base-image [bookworm|trixie]   make debian:<suite>-slim with debootstrap, where no registry gives it',
    load: async () => ({ command: baseImage }),
    argv: (rest) => rest,
    ownHelp: true,
  },
};

/** The usage of one subcommand, from its line in the table, in the words the user typed it. */
function subcommandUsage(name: SubcommandName, sub: Subcommand): string {
  const [synopsis, what] = sub.summary.split('   ');
  const args = synopsis!.split(' ').slice(1).join(' ');
  return [`usage: ${commandLine(name, args)}`, `       ${what}`, EXIT_STATUS].join('\n');
}

const EXIT_STATUS = [
  'exit status: 0 every expectation holds, 1 one does not (or the run failed),',
  '             2 usage or environment error (one line saying what to do), 130 interrupted',
].join('\n');

function usage(): string {
  const lines = Object.values(SUBCOMMANDS).map((sub) => {
    const [synopsis, what] = sub.summary.split('   ');
    return `  certdrill ${synopsis}\n      ${what}`;
  });
  return ['usage: certdrill <command> [options]   (certdrill <command> --help: its options)', ...lines, '  certdrill --version', EXIT_STATUS].join(
    '\n',
  );
}

/** debootstrap's base image, by the script shipped in the package. */
function baseImage(argv: string[]): void {
  const suite = argv[0] ?? 'bookworm';
  if (argv.length > 1 || !/^[a-z]+$/.test(suite)) {
    console.error('certdrill: base-image takes one Debian suite at most (bookworm, the default, or trixie)');
    process.exit(2);
  }
  runScript('../../scripts/base-image.sh', { BASE_IMAGE: `debian:${suite}-slim`, BASE_SUITE: suite }).catch(scriptFailed);
}

/** kind and its node image, by the script shipped in the package. */
function kindImage(argv: string[]): void {
  if (argv.length > 0) {
    console.error('certdrill: kind-image takes no arguments');
    process.exit(2);
  }
  runScript('../../kind-node/build.sh').catch(scriptFailed);
}

function scriptFailed(error: unknown): never {
  console.error(`certdrill: could not run the script: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
}

/**
 * A script shipped in the package, its output on the terminal, and certdrill
 * exits with its status. It runs in a process group of its own (runChild):
 * Ctrl-C, SIGTERM or SIGHUP end that whole group, and certdrill exits 130.
 */
async function runScript(relative: string, env: Record<string, string> = {}): Promise<never> {
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stop.abort());
  const script = fileURLToPath(new URL(relative, import.meta.url));
  const result = await runChild('bash', [script], { stdio: 'inherit', env, reject: false, signal: stop.signal });
  process.exit(stop.signal.aborted ? 130 : (result.exitCode ?? 1));
}

/**
 * The package's scenarios are fixed when it is built: their list, written
 * then (scenarios/index.json), is printed without loading a scenario module.
 * Without it (a clone) `list` loads them, as npm run scenario -- --list does.
 */
function listFromIndex(argv: string[]): boolean {
  const index = fileURLToPath(new URL('../../scenarios/index.json', import.meta.url));
  const json = argv.length === 1 && argv[0] === '--json';
  if ((argv.length > 0 && !json) || !existsSync(index) || process.env.CERTDRILL_DEBIAN_SUITE) return false;
  const entries = JSON.parse(readFileSync(index, 'utf8')) as { name: string; description: string }[];
  if (json) console.log(JSON.stringify(entries, null, 2));
  else for (const entry of entries) console.log(`${entry.name.padEnd(28)} ${entry.description}`);
  return true;
}

async function main(argv: string[]): Promise<void> {
  // Before any usage is printed or a subcommand's module loads: advice names what the user typed (`certdrill list`, or the clone's npm script).
  invokedAs(invocationFrom(process.env));
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    process.exit(name === undefined ? 2 : 0);
  }
  if (name === '--version' || name === '-v') {
    console.log(certdrillVersion());
    process.exit(0);
  }
  if (name === 'list' && listFromIndex(rest)) process.exit(0);
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name as keyof typeof SUBCOMMANDS] : undefined;
  if (!sub) {
    console.error(`certdrill: unknown command "${name}": certdrill --help lists them (${Object.keys(SUBCOMMANDS).join(', ')})`);
    process.exit(2);
  }
  if (sub.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(subcommandUsage(name as keyof typeof SUBCOMMANDS, sub));
    process.exit(0);
  }
  const module = await sub.load();
  module.command(sub.argv(rest));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A subcommand reports its own errors and ends the process; what lands here is a bug in certdrill.
  console.error((error as Error)?.stack ?? String(error));
  console.error('certdrill: unexpected error (a bug in certdrill: the stack above says where)');
  process.exit(1);
});
