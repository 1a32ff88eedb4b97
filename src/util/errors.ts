/** The environment cannot run what was asked (no engine, a missing tool): exit 2 with this message. */
export class EnvironmentError extends Error {}

/** The command line asks for something that cannot be done as asked: exit 2 with this message. */
export class UsageError extends Error {}

/** What the nodes ran on went away in the middle of a run (the Docker engine stopped): the run ends, exit 2. */
export class PlatformLostError extends EnvironmentError {}
