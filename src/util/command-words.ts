/**
 * Advice names the command the user typed: the clone's npm scripts (`npm run
 * scenario -- --list`), or the installed `certdrill` (`certdrill list`). The
 * `certdrill` command says which before it loads a subcommand; everything
 * else is run through the npm scripts.
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
} as const;
export type Subcommand = keyof typeof NPM_FORMS;
/** Where the installed command's form is not `certdrill <sub>`. */
const CERTDRILL_FORMS = { help: 'certdrill run --help', version: 'certdrill --version' } as const;

let invocation: Invocation = 'npm';

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
