import { StorageV1Api, type KubeConfig, type V1StorageClass } from '@kubernetes/client-node';
import { EnvironmentError } from '../../util/errors.js';

const DEFAULT_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];
/** The provisioner of a class whose claims wait for volumes someone makes by hand. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/**
 * The StorageClass a run's persistent folders are claimed from: the one named
 * (`--storage-class`), else the cluster's default. None, or one that
 * provisions nothing, is one line: its claims would never bind.
 */
export function chooseStorageClass(classes: V1StorageClass[], named?: string): string {
  const names = classes.map((c) => c.metadata?.name ?? '?');
  const has = names.length ? `it has ${names.join(', ')}` : 'it has none';
  const chosen = named
    ? classes.find((c) => c.metadata?.name === named)
    : classes.find((c) => DEFAULT_ANNOTATIONS.some((a) => c.metadata?.annotations?.[a] === 'true'));
  if (!chosen)
    throw new EnvironmentError(
      named
        ? `--storage-class ${named}: no such StorageClass in the cluster (${has})`
        : `the cluster has no default StorageClass, and this scenario's nodes keep data across restarts: name one with --storage-class (${has})`,
    );
  const name = chosen.metadata!.name!;
  if (chosen.provisioner === NO_PROVISIONER)
    throw new EnvironmentError(
      `StorageClass ${name} provisions nothing (${NO_PROVISIONER}): its claims would wait for volumes made by hand; name one that provisions with --storage-class (${has})`,
    );
  return name;
}

export async function defaultStorageClass(kc: KubeConfig, named?: string): Promise<string> {
  const classes = (await kc.makeApiClient(StorageV1Api).listStorageClass()).items;
  return chooseStorageClass(classes, named);
}
