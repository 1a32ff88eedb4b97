/**
 * Which scenarios of a suite run side by side. Measured on a 2-core cluster
 * (docs/benchmarks.md): two kops-master scenarios at once leave their probes
 * too slow to judge, four scenarios at once make etcd itself answer Unhealthy.
 * A count alone cannot tell those apart from four light scenarios that fit, so
 * each scenario is admitted by the cores it keeps busy as well.
 */

/** What a scenario that declares nothing keeps busy: three Erlang nodes, or three etcd members on their own. */
export const LIGHT_SCENARIO_CORES = 0.5;

export function scenarioCores(scenario: { cores?: number }): number {
  return scenario.cores ?? LIGHT_SCENARIO_CORES;
}

export interface AdmissionLimits {
  /** Scenarios at once, at most (`--parallel`). */
  parallel: number;
  /** The cores the cluster can give scenarios; without it, the count alone decides. */
  capacity?: number;
}

/**
 * The position in `waiting` (each a scenario's cores, in the suite's order)
 * of the scenario to start now beside `running`, or undefined to wait for
 * one to end. The first that fits, so that a heavy scenario waiting does not
 * hold back light ones behind it; and the first of all when nothing runs, so
 * that one bigger than the whole cluster still runs, alone.
 */
export function nextAdmitted(waiting: readonly number[], running: readonly number[], limits: AdmissionLimits): number | undefined {
  if (waiting.length === 0 || running.length >= limits.parallel) return undefined;
  if (running.length === 0) return 0;
  if (limits.capacity === undefined) return 0;
  const busy = running.reduce((sum, cores) => sum + cores, 0);
  // A hair of slack: 0.1 + 0.2 + ... must not refuse what fits exactly.
  const index = waiting.findIndex((cores) => busy + cores <= limits.capacity! + 1e-9);
  return index === -1 ? undefined : index;
}
