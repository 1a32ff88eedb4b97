/**
 * Advice names the command the user typed: the clone's npm scripts (`npm run
 * scenario -- --list`), or the installed `certdrill` (`certdrill list`). Both
 * start the `certdrill` command, which says which before it loads a subcommand.
 */
export type Invocation = 'npm' | 'certdrill';

/** certdrill's subcommands, and the npm script each is in a clone. */
const NPM_FORMS = {
  run: 'npm run scenario --',
  all: 'npm run scenario -- all',
  list: 'npm run scenario -- --list',
  prepare: 'npm run scenario -- --prepare',
  cleanup: 'npm run scenario -- --cleanup',
  help: 'npm run scenario -- --help',
  version: 'npm run scenario -- --version',
  inspect: 'npm run inspect --',
  rehearse: 'npm run rehearse --',
  stability: 'npm run stability --',
  matrix: 'npm run matrix --',
  'matrix-report': 'npm run report:matrix --',
  'base-image': 'npm run base-image',
  'kind-image': 'npm run kind-image',
  doctor: 'npm run doctor --',
} as const;
export type Subcommand = keyof typeof NPM_FORMS;
/** Where the installed command's form is not `certdrill <sub>`. */
const CERTDRILL_FORMS = { help: 'certdrill run --help', version: 'certdrill --version' } as const;

let invocation: Invocation = 'npm';

/**
 * How the user started certdrill: through one of the clone's npm scripts
 * (npm names the script it runs in npm_lifecycle_event), or as `certdrill`.
 */
export function invocationFrom(env: NodeJS.ProcessEnv): Invocation {
  const script = env.npm_lifecycle_event;
  return script !== undefined && Object.values(NPM_FORMS).some((form) => form.split(' ')[2] === script) ? 'npm' : 'certdrill';
}

export function invokedAs(how: Invocation): void {
  invocation = how;
}

/** The command line of `sub`, with `args` after it, as the user types it: `certdrill list`, `npm run scenario -- --list`. */
export function commandLine(sub: Subcommand, args = ''): string {
  const command = invocation === 'npm' ? NPM_FORMS[sub] : (CERTDRILL_FORMS[sub as keyof typeof CERTDRILL_FORMS] ?? `certdrill ${sub}`);
  // An npm script with no arguments needs no `--`.
  const bare = args === '' ? command.replace(/ --$/, '') : command;
  return args === '' ? bare : `${bare} ${args}`;
}
