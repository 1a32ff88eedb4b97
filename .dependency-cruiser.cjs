/**
 * Which module of certdrill may import which: `npm run deps` checks these
 * rules over src/ and scenarios/, and so does test/unit/import-rules.test.ts.
 * Type-only imports count like any other: a layer that names another's types
 * depends on it as much as one that calls it.
 */

/**
 * The layers of src/, lowest first. A module imports only from its own layer
 * or a lower one: the lower a layer, the less it knows about the rest.
 * src/run (the runner and the suite) comes with the issue-10 refactor; its
 * rule holds as soon as the folder exists.
 */
/**
 * Scenario files: scenarios/, the scenarios a workload brings in its own
 * folder's scenarios/, and its rehearsal (rehearse/), a scenario built from a
 * real cluster's chain.
 */
const SCENARIO_FILES = '^(scenarios|src/workload/[^/]+/(scenarios|rehearse))/';

const LAYERS = ['util', 'clock', 'pki', 'inventory', 'platform', 'observe', 'workload', 'scenario', 'report', 'run', 'cli'];

/** Why each layer stays below the ones above it. */
const WHY = {
  util: 'src/util is what every layer shares (child processes, errors, durations): it knows none of them.',
  clock: 'src/clock turns clock specs into libfaketime offsets and files; it never knows about containers, Erlang or etcd.',
  pki: 'src/pki forges and reads certificates; it never knows where they are deployed (platform) or who uses them.',
  inventory: 'src/inventory reads the certificates of a real cluster (a folder, a TLS port, a Kubernetes API) for inspect and rehearse; it knows nothing of the nodes certdrill runs.',
  platform: 'src/platform runs nodes (docker, kind) for any workload; it knows nothing of what is observed or run on it.',
  observe: 'src/observe records what happened; it must not reach up into the workloads (observe -> workload was a cycle).',
  workload: 'src/workload drives one kind of cluster (erlang, etcd); scenarios, reports and the runner use it, not the other way round.',
  scenario: 'src/scenario describes and judges a scenario; reporting, running and the command line build on it.',
  report: 'src/report writes findings from results; it may read scenario types, but never drives a run or the command line.',
  run: 'src/run runs scenarios and suites; only the command line sits above it.',
  cli: 'src/cli is the top: the command line may import any layer.',
};

const layerRules = LAYERS.flatMap((layer, index) => {
  const higher = LAYERS.slice(index + 1);
  if (higher.length === 0) return [];
  return [
    {
      name: `layer-${layer}`,
      comment: `${WHY[layer]} So src/${layer} imports nothing from ${higher.map((h) => `src/${h}`).join(', ')}.`,
      severity: 'error',
      from: { path: `^src/${layer}/`, pathNot: SCENARIO_FILES },
      to: { path: `^src/(${higher.join('|')})/` },
    },
  ];
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle means neither module can be understood, tested or moved without the other, and an ESM cycle can ' +
        'hand a module an export that is not initialised yet. Break it by moving the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment:
        'The same between folders: src/scenario importing src/report while src/report imports src/scenario is a ' +
        'cycle of layers even when no two modules import each other. (A folder counts with its subfolders, so a ' +
        'workload\'s folder importing the shared files of src/workload is no cycle.) src/workload as a whole is ' +
        'left out: the scenarios a workload brings in its own folder import src/scenario, as every scenario does, ' +
        'and that makes the folder look circular; the module rules (layer-workload, workload-interface-only) hold ' +
        'the workload code itself below src/scenario and src/observe.',
      severity: 'error',
      scope: 'folder',
      from: { pathNot: '^src/workload$' },
      to: { circular: true, pathNot: '^src/workload$' },
    },
    ...layerRules,
    {
      name: 'workload-interface-only',
      comment:
        'Everything outside src/workload reaches a workload through its interface and registry, so a new workload ' +
        'needs no change elsewhere and none can lean on another one\'s internals. (For src/observe this is stricter ' +
        'still: layer-observe forbids any import from src/workload.) The membership view is the one shared part ' +
        'they may read besides: a view several workloads report (whom a node is connected to), which the ' +
        'membership checks read. Scenario files are not bound by this: a scenario rehearses one workload and may ' +
        'use its helpers.',
      severity: 'error',
      from: { path: '^src/(scenario|observe|report|run|cli)/' },
      to: { path: '^src/workload/', pathNot: '^src/workload/(workload|registry|membership-view)\\.ts$' },
    },
    {
      name: 'workloads-independent',
      comment:
        'One workload (src/workload/<name>/) never imports another\'s folder: what two of them share goes into a ' +
        'file directly under src/workload/, which every workload may import.',
      severity: 'error',
      from: { path: '^src/workload/([^/]+)/', pathNot: SCENARIO_FILES },
      to: { path: '^src/workload/[^/]+/', pathNot: '^src/workload/$1/' },
    },
    {
      name: 'src-not-on-scenarios',
      comment:
        'The project\'s scenarios/ are files the registry finds and loads by path, like a user\'s: certdrill ' +
        'itself never imports one. What a command needs from a workload (its rehearsal, its scenarios) the ' +
        'workload names in its own folder.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^scenarios/' },
    },
    {
      name: 'scenario-files-no-run-cli-platform',
      comment:
        'A scenario file (scenarios/*.ts, or a workload\'s own scenarios/ and rehearse/) says what to rehearse, on any platform, and is run by the runner: it may ' +
        'use anything under src/ except the runner (src/run), the command line (src/cli) and a platform ' +
        '(src/platform), which the runner picks.',
      severity: 'error',
      from: { path: SCENARIO_FILES },
      to: { path: '^src/(run|cli|platform)/' },
    },
  ],
  options: {
    // Only certdrill's own modules: npm packages and Node's are not part of these rules.
    includeOnly: '^(src|scenarios)/',
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count (see above).
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of TypeScript's NodeNext mode to the `.ts` files.
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
