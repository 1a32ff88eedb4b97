import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { WORKLOADS } from '../workload/registry.js';
import type { AnyScenario } from './types.js';
import { commandLine } from '../util/command-words.js';

const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));
/** Scenario files are TypeScript in the repository and JavaScript in the package, compiled beside this module. */
const SCENARIO_EXTENSION = extname(fileURLToPath(import.meta.url));

export class UnknownScenarioError extends Error {}

/** A scenario file that does not give a scenario: it does not compile, throws when loaded, or exports no scenario. */
export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    failure: LoadFailure,
    /** Said after the advice for a file of the project's scenarios/, which every listing loads. */
    orElse = ', or move it out of scenarios/',
  ) {
    super(`${file} does not load: ${failure.reason}: ${failure.advice}${orElse}`);
  }
}

/** Why a scenario file did not load, and what to do about it. */
export interface LoadFailure {
  reason: string;
  advice: string;
}

export interface ScenarioFiles {
  /** The scenarios that loaded, by name. */
  scenarios: Map<string, AnyScenario>;
  /** One error per file that did not. */
  broken: ScenarioFileError[];
}

const files = new WeakMap<AnyScenario, string>();
const absolutePaths = new WeakMap<AnyScenario, string>();

/** The file a scenario was loaded from, as `scenarios/<file>.ts`. */
export function scenarioFile(scenario: AnyScenario): string | undefined {
  return files.get(scenario);
}

/**
 * Where a run of the scenario is kept for the tests, beside its file:
 * `recorded/<name>.timeline.jsonl.gz` (`npm run record-runs` writes it from a
 * suite run). The tests judge the scenario's checks and answer on it.
 */
export function recordedRunOf(scenario: AnyScenario): string {
  const path = absolutePaths.get(scenario);
  if (!path) throw new Error(`scenario ${scenario.name} was not loaded from a file`);
  return join(dirname(path), 'recorded', `${scenario.name}.timeline.jsonl.gz`);
}

/** The project's scenarios/, then each registered workload's own. */
function scenarioDirs(): string[] {
  return [SCENARIO_DIR, ...WORKLOADS.flatMap((w) => (w.scenarioDir ? [w.scenarioDir] : []))];
}

/** Every scenario, by name; throws ScenarioFileError for the first file that does not load. */
export async function loadScenarios(dirs: string[] = scenarioDirs()): Promise<Map<string, AnyScenario>> {
  const { scenarios, broken } = await loadScenarioFiles(dirs);
  if (broken[0]) throw broken[0];
  return scenarios;
}

/** Every scenario file, loaded one by one: the scenarios that load, and what is wrong with each file that does not. */
export async function loadScenarioFiles(dirs: string[] = scenarioDirs()): Promise<ScenarioFiles> {
  const paths: string[] = [];
  for (const dir of dirs)
    paths.push(
      ...(await readdir(dir))
        .filter((f) => f.endsWith(SCENARIO_EXTENSION) && !f.endsWith('.d.ts'))
        .sort()
        .map((f) => join(dir, f)),
    );
  const scenarios = new Map<string, AnyScenario>();
  const broken: ScenarioFileError[] = [];
  for (const path of paths) {
    const shown = relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
    try {
      const scenario = await loadFile(path);
      const earlier = scenarios.get(scenario.name);
      if (earlier) throw new Error(`its name "${scenario.name}" is already taken by ${files.get(earlier)}`);
      files.set(scenario, shown);
      absolutePaths.set(scenario, path);
      scenarios.set(scenario.name, scenario);
    } catch (error) {
      broken.push(new ScenarioFileError(shown, loadFailure(error)));
    }
  }
  return { scenarios, broken };
}

/** Whether a scenario argument names a file rather than a scenario of the project: a path, or a file name with a script extension. */
export function isScenarioPath(argument: string): boolean {
  return argument.includes('/') || /\.(ts|mts|js|mjs)$/.test(argument);
}

/** A scenario file anywhere on disk (a user's own): TypeScript is compiled as it loads (tsx), JavaScript loaded as is. */
export async function loadScenarioPath(argument: string): Promise<AnyScenario> {
  const path = resolve(argument);
  if (!existsSync(path))
    throw new UnknownScenarioError(
      `no scenario file ${argument}: give the path of a .ts or .js file whose default export is made with defineScenario`,
    );
  if (/\.m?ts$/.test(path)) await registerTypeScript();
  try {
    const scenario = await loadFile(path);
    files.set(scenario, argument);
    absolutePaths.set(scenario, path);
    return scenario;
  } catch (error) {
    throw new ScenarioFileError(argument, loadFailure(error), '');
  }
}

let typescriptRegistered = false;

/**
 * A resolve hook that makes a TypeScript file outside node_modules an ES
 * module whatever its package's `type` says. tsx reads `.ts` as CommonJS in a
 * folder made by `npm init -y` (`"type": "commonjs"`), and a scenario written
 * with `import ... from 'certdrill'` then requires the package's ES modules
 * while they load: Node refuses that cycle. Scenarios are written as ES
 * modules, so they load as ES modules.
 */
const TYPESCRIPT_AS_ESM_HOOKS = `
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.format !== 'commonjs' || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved;
  // tsx marks a .ts it took for CommonJS with queries (in the path too, escaped): the file itself is what loads.
  const path = new URL(resolved.url).pathname.split('%3F')[0];
  if (!/\\.(ts|tsx)$/.test(path)) return resolved;
  return { ...resolved, url: 'file://' + path, format: 'module' };
}`;

/** tsx's loader, once, where this process does not have it already (the package runs compiled JavaScript), and the hook above. */
async function registerTypeScript(): Promise<void> {
  if (typescriptRegistered) return;
  typescriptRegistered = true;
  if (SCENARIO_EXTENSION !== '.ts') {
    const { register } = await import('tsx/esm/api');
    register();
  }
  // After tsx's: hooks registered later run first, so this one sees what tsx resolved.
  const { register } = await import('node:module');
  register(`data:text/javascript,${encodeURIComponent(TYPESCRIPT_AS_ESM_HOOKS)}`);
}

async function loadFile(path: string): Promise<AnyScenario> {
  const module = (await import(pathToFileURL(path).href)) as { default?: Partial<AnyScenario> };
  const scenario = module.default;
  if (!scenario || typeof scenario.name !== 'string' || typeof scenario.setup !== 'function' || typeof scenario.run !== 'function') {
    throw new ScenarioShapeError('it has no default export made with defineScenario', 'end it with export default defineScenario({ ... })');
  }
  if (typeof scenario.workload?.name !== 'string' || typeof scenario.workload.deploy !== 'function') {
    throw new ScenarioShapeError('its `workload` is not a workload', 'import erlang, etcd or toy from certdrill, or define one with defineWorkload');
  }
  return scenario as AnyScenario;
}

/** What a loaded module lacks to be a scenario, with what to write instead. */
class ScenarioShapeError extends Error {
  constructor(
    message: string,
    readonly advice: string,
  ) {
    super(message);
  }
}

/** Why a file did not load, in one line (the compiler's first error with its line and column, or what it threw), and what to do. */
function loadFailure(error: unknown): LoadFailure {
  if (error instanceof ScenarioShapeError) return { reason: error.message, advice: error.advice };
  const message = String((error as Error)?.message ?? error);
  // esbuild (through tsx): "Transform failed with 1 error:\n/abs/file.ts:2:1: ERROR: Expected ..."
  const compile = /^\S+?:(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  // esbuild counts columns from 0; editors from 1.
  if (compile)
    return { reason: `it does not compile: line ${compile[1]}, column ${Number(compile[2]) + 1}: ${compile[3]}`, advice: 'correct that line' };
  if (/Cannot use import statement outside a module/.test(message)) {
    return {
      reason: 'it uses `import`, and the package.json of its folder makes a .js file CommonJS',
      advice: 'name it .mjs or .ts, or set "type": "module" in that package.json',
    };
  }
  const first = message.split('\n')[0]!.trim();
  return { reason: `loading it threw: ${first}`, advice: 'that is the error of the file or of a module it imports' };
}

export async function findScenario(name: string): Promise<AnyScenario> {
  const scenarios = await loadScenarios();
  const scenario = scenarios.get(name);
  if (!scenario) {
    throw new UnknownScenarioError(
      `unknown scenario "${name}": ${commandLine('list')} shows the ${scenarios.size} there are (${[...scenarios.keys()].join(', ')})`,
    );
  }
  return scenario;
}
