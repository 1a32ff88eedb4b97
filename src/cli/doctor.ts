import { parseArgs } from 'node:util';
import { exitWhenDone } from './exit.js';
import { PLATFORMS } from '../platform/index.js';
import { UsageError } from '../util/errors.js';
import { commandLine } from '../util/command-words.js';
import { firstLine } from '../util/text.js';

const TARGETS = [...PLATFORMS, 'kubernetes'] as const;
const usage = () => `usage: ${commandLine('doctor', '[--platform docker|kind|kubernetes] [--context NAME] [--yes-this-cluster]')}
       says whether this host can run scenarios on the platform: docker and kind, what they need here;
       kubernetes, the cluster the kubeconfig's context (--context, else its current one) reaches: that it
       answers, and every permission a run needs there (SelfSubjectAccessReview), with what is missing
exit status: 0 ready, 1 something is missing (listed), 2 usage or environment error`;

/** A namespace name for the permission questions: a run's own does not exist yet, and RBAC answers for any name. */
const PROBE_NAMESPACE = 'certdrill-doctor';

export async function main(argv: string[]): Promise<number> {
  let values: { platform: string; context?: string; 'yes-this-cluster': boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        platform: { type: 'string', default: 'docker' },
        context: { type: 'string' },
        'yes-this-cluster': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${firstLine(error)}: ${commandLine('doctor', '--help')} shows the usage`);
  }
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const platform = values.platform as (typeof TARGETS)[number];
  if (!TARGETS.includes(platform)) throw new UsageError(`unknown platform "${values.platform}": use one of ${TARGETS.join(', ')}`);
  if (platform !== 'kubernetes' && (values.context !== undefined || values['yes-this-cluster']))
    throw new UsageError('--context and --yes-this-cluster go with --platform kubernetes');
  if (platform !== 'kubernetes') {
    const { createPlatform } = await import('../platform/index.js');
    await (await createPlatform(platform, { runId: 'doctor' })).check();
    console.log(`${platform}: ready`);
    return 0;
  }
  return kubernetesDoctor({ context: values.context, yesThisCluster: values['yes-this-cluster'] });
}

async function kubernetesDoctor(options: { context?: string; yesThisCluster: boolean }): Promise<number> {
  const { ensureAnswers, kubernetesTarget } = await import('../platform/kubernetes/target.js');
  const { checkPermissions, describePermission } = await import('../platform/kubernetes/permissions.js');
  const target = kubernetesTarget(options);
  console.log(`context ${target.context}: API server ${target.server}`);
  await ensureAnswers(target);
  const results = await checkPermissions(target.kc, PROBE_NAMESPACE);
  const missing = results.filter((r) => !r.allowed);
  for (const { permission, allowed } of results)
    console.log(
      `  ${allowed ? 'ok     ' : 'MISSING'} ${describePermission(permission).padEnd(52)} ${permission.namespaced ? 'in its namespaces' : 'cluster-wide'}: ${permission.why}`,
    );
  if (missing.length === 0) {
    console.log(`context ${target.context}: every one of the ${results.length} permissions a run needs is granted`);
    return 0;
  }
  console.log(
    `context ${target.context}: ${missing.length} of ${results.length} permissions missing (kubectl auth can-i VERB RESOURCE -n certdrill-x says the same): grant them, or run on another context`,
  );
  return 1;
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv));
}
