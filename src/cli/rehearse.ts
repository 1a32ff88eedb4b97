import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSource, SOURCE_FORMS } from '../inventory/index.js';
import { rehearsalShape, type RehearsalShape } from '../inventory/rehearsal-shape.js';
import type { AnyScenario } from '../scenario/types.js';
import type { AnyWorkload } from '../workload/workload.js';
import { WORKLOADS } from '../workload/registry.js';
import { renderInventory } from '../report/inventory.js';
import { UsageError } from '../util/errors.js';
import { prepareOutDir, reportsDir, runFolderName } from './output-paths.js';
import { progressPrinter } from './progress.js';
import { exitWhenDone } from './exit.js';
import { printOn, runOneScenario, stopOnSignals } from './run-one.js';
import { commandLine } from '../util/command-words.js';
import { platformNamed, checkedClusterOptions, CLUSTER_OPTION_SPECS, CLUSTER_OPTIONS_USAGE } from './cluster-options.js';

const usage = () => `usage: ${commandLine('rehearse', 'SOURCE [--workload erlang|etcd] [--out DIR] [--platform docker|kind]')}
       ${commandLine('rehearse', 'SOURCE ... --platform kubernetes --image-registry REGISTRY [CLUSTER OPTIONS]')}
  SOURCE: ${SOURCE_FORMS}
  replays the chain of SOURCE that breaks first (new keys, the same validity windows) on a real cluster,
  walks the clocks through each upcoming expiry, and writes findings that open with the first break
  --workload erlang (default): three Erlang nodes clustered over TLS distribution
  --workload etcd: three kops-style etcd members; the chain becomes etcd's peers or clients chain, as its place says
  --platform kubernetes: on a cluster a kubeconfig reaches; CLUSTER OPTIONS: ${CLUSTER_OPTIONS_USAGE}`;

/** The workloads a rehearsal can replay a chain on: those that name a rehearsal module. */
const REHEARSABLE = WORKLOADS.filter((w) => w.rehearsal !== undefined);

/** The workload's rehearsal of `shape`, from the module it names. */
async function rehearsalOn(workload: AnyWorkload, shape: RehearsalShape): Promise<AnyScenario> {
  const module = (await import(workload.rehearsal!)) as { rehearsal?: (shape: RehearsalShape) => AnyScenario };
  if (typeof module.rehearsal !== 'function')
    throw new Error(`workload ${workload.name}: its rehearsal module ${workload.rehearsal} exports no rehearsal(shape) function`);
  return module.rehearsal(shape);
}

export async function main(argv: string[]): Promise<number> {
  stopOnSignals();
  let values: {
    out?: string;
    workload?: string;
    platform?: string;
    help?: boolean;
    context?: string;
    'image-registry'?: string;
    'storage-class'?: string;
    'yes-this-cluster'?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        workload: { type: 'string', default: 'erlang' },
        platform: { type: 'string', default: 'docker' },
        help: { type: 'boolean', short: 'h' },
        ...CLUSTER_OPTION_SPECS,
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}: ${commandLine('rehearse', '--help')}`);
  }
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length
        ? `one source at a time, not ${positionals.join(' ')}`
        : `name a source: ${SOURCE_FORMS} (${commandLine('rehearse', '--help')})`,
    );
  const workload = REHEARSABLE.find((w) => w.name === values.workload);
  if (!workload) throw new UsageError(`unknown workload "${values.workload}": use --workload ${REHEARSABLE.map((w) => w.name).join(' or ')}`);
  const platform = platformNamed(values.platform);
  const cluster = await checkedClusterOptions(platform, values);
  const inventory = await readSource(positionals[0]!);
  const read = rehearsalShape(inventory, new Date());
  // An Issuer's issuance is replayed where cert-manager runs (an API server); on docker the leaves are forged, and the user is told.
  const { issuer, ...forged } = read;
  const withCertManager = platform !== 'docker';
  const shape = withCertManager ? read : forged;
  const outDir = resolve(values.out ?? join(reportsDir('runs'), runFolderName('rehearsal')));
  await prepareOutDir(outDir, values.out === undefined ? 'the reports folder' : '--out');
  // The certificates read, with the instants the clocks will be walked to, beside the findings.
  const certificates = join(outDir, 'certificates.md');
  const marks = shape.instants.map((i) => ({ label: `replayed ${i.expiring.join(', ')} expiry`, at: i.at }));
  await writeFile(certificates, renderInventory(inventory, new Date(), marks));
  const printer = progressPrinter();
  printOn(printer.line);
  printer.line(`certificates read, and the instants replayed: ${certificates}`);
  if (issuer && !withCertManager)
    printer.line(
      `cert-manager's Issuer ${issuer.name} signs with ${read.ca.name}: ${commandLine('rehearse', `${positionals[0]} --platform kind`)} replays its issuance through the real cert-manager; here the leaves are forged`,
    );
  printer.line(
    `rehearsing ${shape.ca.name} and ${shape.leaves.length} leaf certificate(s); the clocks go to ${shape.instants.map((i) => i.at.toISOString().slice(0, 16)).join(', ')}`,
  );
  return runOneScenario(await rehearsalOn(workload, shape), { platform, outDir, cluster }, printer);
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv));
}
