import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findScenario, isScenarioPath, loadScenarioFiles, loadScenarioPath, loadScenarios } from '../scenario/registry.js';
import type { AnyScenario } from '../scenario/types.js';
import { describeCounts, verdictWord } from '../scenario/verdict.js';
import { EnvironmentError, UsageError } from '../util/errors.js';
import { certdrillVersion } from '../util/package-root.js';
import { debianSuiteProblem, WORKLOADS } from '../workload/registry.js';
import { axisProblem } from '../workload/workload.js';
import { exitWhenDone, isUserError } from './exit.js';
import { platformNamed, clusterOptionGiven, clusterOptions, CLUSTER_OPTION_SPECS, CLUSTER_OPTIONS_USAGE } from './cluster-options.js';
import { checkSummaryFile, prepareOutDir, reportsDir, runFolderName } from './output-paths.js';
import { progressPrinter } from './progress.js';
import { abort, printOn, stopOnSignals } from './signals.js';
import { commandLine } from '../util/command-words.js';

const usage = () => `usage: ${commandLine('run', '<name|file> [--out DIR] [--platform docker|kind] [--keep-cluster]')}
       ${commandLine('run', '<name|file> --platform kubernetes --image-registry REGISTRY [CLUSTER OPTIONS]')}
                                         a scenario of the project by name, or a scenario file anywhere
                                         (./my-scenario.ts: TypeScript or JavaScript, importing from certdrill)
       ${commandLine('all', '[--out DIR] [--summary FILE] [--platform docker|kind | --platform kubernetes ... [--parallel N]]')}
                                         every scenario, and one findings.md over them all
                                         (--summary: that page also at FILE, linking into DIR;
                                         --parallel: up to N scenarios at once, a namespace each,
                                         as many as the cluster's cores cover)
       CLUSTER OPTIONS (a cluster a kubeconfig reaches): ${CLUSTER_OPTIONS_USAGE}
                                         (--yes-this-cluster: a context named like production, see CERTDRILL_PRODUCTION_CONTEXTS)
       ${commandLine('list', '[--json]')}
                                         the scenarios, with what each rehearses
                                         (--json: an array of {name, description, question, workload})
       ${commandLine('prepare', '[--platform kind]')}
                                         build (or reuse) the images the scenarios run
                                         (kind: also its node image and the kind CLI)
       ${commandLine('cleanup', '[--platform kind [--cluster] | --platform kubernetes [--context NAME]]')}
                                         remove what interrupted runs left behind
                                         (--cluster: also the kind cluster a run kept with --keep-cluster;
                                         kubernetes: certdrill's namespaces of ended runs, nothing else)
       ${commandLine('version')}     certdrill's version
exit status: 0 every expectation holds, 1 one does not (or the run failed),
             2 usage or environment error (one line saying what to do), 130 interrupted`;

export async function main(argv: string[]): Promise<number> {
  // Before anything else: a Ctrl-C while scenarios load or certificates are forged is a clean stop too.
  stopOnSignals();
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (values.version) {
    console.log(certdrillVersion());
    return 0;
  }
  if (values.json && !values.list) throw new UsageError('--json goes with --list');
  const suiteProblem = debianSuiteProblem();
  if (suiteProblem) throw new UsageError(suiteProblem);
  const axisProblems = WORKLOADS.flatMap((w) => w.axes ?? [])
    .map((axis) => axisProblem(axis))
    .filter((p) => p !== undefined);
  if (axisProblems.length) throw new UsageError(axisProblems[0]!);
  if (values.list) return listScenarios(values.json);
  const onKubernetes = values.platform === 'kubernetes';
  const clusterOption = clusterOptionGiven(values);
  if (clusterOption && !onKubernetes) throw new UsageError(`--${clusterOption} goes with --platform kubernetes`);
  if ((values['image-registry'] !== undefined || values['storage-class'] !== undefined) && values.cleanup)
    throw new UsageError('cleanup --platform kubernetes takes --context and --yes-this-cluster only');
  const cluster = clusterOptions(values);
  if (values.cleanup && onKubernetes) {
    // Any cluster a kubeconfig reaches: only certdrill's own namespaces are ever touched there.
    const { kubernetesTarget } = await import('../platform/kubernetes/target.js');
    const { sweepKubernetes } = await import('../platform/kubernetes/cleanup.js');
    const target = kubernetesTarget({ context: values.context, yesThisCluster: values['yes-this-cluster'] });
    const swept = await sweepKubernetes(target, (line) => console.log(line));
    console.log(`context ${target.context}: removed what ${swept} interrupted run(s) left behind`);
    return 0;
  }
  const platformName = platformNamed(values.platform);
  if (values.cluster && !(values.cleanup && platformName === 'kind')) throw new UsageError('--cluster goes with cleanup --platform kind');
  if (values.prepare) {
    // Platform libraries load only when a command needs them (kind's client alone takes most of a second).
    const { createPlatform } = await import('../platform/index.js');
    const platform = await createPlatform(platformName, { ...cluster, runId: 'prepare', progress: (line) => console.log(line) });
    await platform.check();
    if (platform.prepare) console.log(`${platformName}: ${await platform.prepare()}`);
    for (const { name, image, moreImages = [] } of WORKLOADS) {
      console.log(`${name}: ${await platform.prepareImage(image)}`);
      for (const more of moreImages) {
        // An image whose sources are not here (etcd-manager's) is skipped with the one line that says how to get them.
        const tag = await platform.prepareImage(more.image).catch((error: unknown) => {
          if (error instanceof EnvironmentError) return `skipped: ${error.message}`;
          throw error;
        });
        console.log(`${name} (${more.name}): ${tag}`);
      }
    }
    // What the scenarios issued by cert-manager run beside their nodes (on kind): its controller, and erlclu-init's image.
    const { CERT_MANAGER_IMAGE } = await import('../platform/kubernetes/cert-manager/install.js');
    const { CERT_REQUEST_IMAGE } = await import('../platform/kubernetes/cert-manager/issuing.js');
    for (const image of [CERT_MANAGER_IMAGE, CERT_REQUEST_IMAGE]) console.log(`cert-manager: ${await platform.prepareImage(image)}`);
    return 0;
  }
  if (values.cleanup) {
    const { createPlatform } = await import('../platform/index.js');
    const platform = await createPlatform(platformName, { runId: 'cleanup' });
    const swept = (await platform.sweepAbandoned?.({ kept: values.cluster })) ?? 0;
    console.log(`removed what ${swept} interrupted run(s) left behind`);
    return 0;
  }
  if (values.summary && positionals[0] !== 'all') throw new UsageError('--summary goes with all');
  const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
  if (values.parallel !== undefined && (positionals[0] !== 'all' || !onKubernetes))
    throw new UsageError('--parallel goes with all --platform kubernetes (a namespace per scenario)');
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1 && parallel <= 16))
    throw new UsageError(`--parallel ${values.parallel}: give a whole number of scenarios at once, 1 to 16`);
  if (onKubernetes) {
    // The cluster and the registry as given, before a line of progress: a production context is refused here.
    const { checkClusterOptions } = await import('../platform/kubernetes/kubernetes-platform.js');
    checkClusterOptions(cluster);
  }
  if (values['keep-cluster'] && platformName !== 'kind') throw new UsageError('--keep-cluster goes with --platform kind');
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0
        ? `name a scenario to run (${commandLine('list')} shows them)`
        : `one scenario at a time, not ${positionals.join(' ')}`,
    );

  const name = positionals[0]!;
  const scenarios: AnyScenario[] =
    name === 'all' ? [...(await loadScenarios()).values()] : [isScenarioPath(name) ? await loadScenarioPath(name) : await findScenario(name)];
  const outDir = resolve(values.out ?? join(reportsDir('runs'), runFolderName(scenarios.length === 1 ? scenarios[0]!.name : name)));
  // Where the findings go is checked before anything runs: a run that cannot write them is not worth starting.
  await prepareOutDir(outDir, values.out === undefined ? 'the reports folder' : '--out');
  if (values.summary) await checkSummaryFile(values.summary);
  const printer = progressPrinter();
  printOn(printer.line);
  const scenario = name === 'all' ? undefined : scenarios[0]!;

  if (!scenario) {
    const suiteStarted = Date.now();
    printer.line(
      `suite: ${scenarios.length} scenarios on ${platformName}${parallel && parallel > 1 ? `, up to ${parallel} at once` : ''}, into ${outDir}`,
    );
    const { runSuite } = await import('../run/suite.js');
    const suite = await runSuite({
      scenarios,
      platform: platformName,
      outDir,
      signal: abort.signal,
      progress: printer.line,
      onRecord: printer.record,
      summary: values.summary,
      keepCluster: values['keep-cluster'],
      cluster,
      parallel,
      printerOf: (name) => progressPrinter(undefined, { prefix: name, started: suiteStarted }),
    });
    const failedEnv = suite.entries.find((e) => isUserError(e.result.error));
    if (failedEnv?.result.error) throw failedEnv.result.error;
    const all = suite.entries.flatMap((e) => e.result.expectations.map((x) => ({ name: e.scenario.name, x })));
    for (const { name: n, x } of all)
      if (x.result.verdict !== 'pass') printer.line(`${verdictWord(x.result.verdict)} ${n}: ${x.title}: ${x.result.observed}`);
    printer.line(`${describeCounts(all.map((a) => a.x.result.verdict))}, across ${suite.entries.length} scenarios`);
    printer.line(`findings: ${suite.findingsPath}`);
    if (suite.outcome === 'interrupted') return 130;
    const complete = suite.entries.every((e) => e.result.outcome === 'completed' && e.result.expectations.length > 0);
    return complete && all.every((a) => a.x.result.verdict === 'pass') ? 0 : 1;
  }

  const { runOneScenario } = await import('./run-one.js');
  return runOneScenario(scenario, { platform: platformName, outDir, keepCluster: values['keep-cluster'], cluster }, printer);
}

/**
 * The scenarios that load, one a line (or, with --json, as a JSON array for
 * machines: name, description, question, workload); a file that does not
 * load is named on stderr, and makes the exit status 2.
 */
async function listScenarios(json: boolean): Promise<number> {
  const { scenarios, broken } = await loadScenarioFiles();
  if (json) {
    const entries = [...scenarios.values()].map((s) => ({
      name: s.name,
      description: s.description,
      question: s.question,
      workload: s.workload.name,
    }));
    console.log(JSON.stringify(entries, null, 2));
  } else {
    for (const scenario of scenarios.values()) console.log(`${scenario.name.padEnd(28)} ${scenario.description}`);
  }
  for (const error of broken) console.error(`certdrill: ${error.message}`);
  return broken.length > 0 ? 2 : 0;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        platform: { type: 'string', default: 'docker' },
        list: { type: 'boolean', default: false },
        cleanup: { type: 'boolean', default: false },
        prepare: { type: 'boolean', default: false },
        summary: { type: 'string' },
        'keep-cluster': { type: 'boolean', default: false },
        cluster: { type: 'boolean', default: false },
        ...CLUSTER_OPTION_SPECS,
        parallel: { type: 'string' },
        json: { type: 'boolean', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(parseProblem(error as Error & { code?: string }));
  }
}

/** parseArgs' complaint, in certdrill's words: what is wrong, then what to do. */
function parseProblem(error: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}: ${commandLine('help')} lists the options`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message)
        ? `${option.split(' ')[0]} needs a value: ${commandLine('help')} lists the options`
        : `${error.message.split('\n')[0]}: ${commandLine('help')} lists the options`;
    default:
      return `${error.message.split('\n')[0]}: ${commandLine('help')} lists the options`;
  }
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv));
}
