/** The environment cannot run what was asked (no engine, a missing tool): exit 2 with this message. */
export class EnvironmentError extends Error {}
