import { link, mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_SHIM_INCLUDE } from '../../../clock/shim.js';
import type { ImageSource } from '../../../platform/types.js';
import { runBuildScript } from '../../../util/build-script.js';
import { packageRoot } from '../../../util/package-root.js';
import { suiteBuildArgs } from '../../debian-suite.js';
import { axisValue, type MatrixAxis } from '../../workload.js';

/**
 * The real etcd-manager versions certdrill runs (upstream source in
 * ../shared/third-party/etcd-manager/, read its SOURCES.md): what each does
 * with certificates is what the scenarios characterise, not what certdrill assumes.
 */
export const ETCD_MANAGER_VERSIONS = ['3.0.20200116', '3.0.20200428', 'v3.0.20260707'] as const;
export type EtcdManagerVersion = (typeof ETCD_MANAGER_VERSIONS)[number];

/** What each version is to a kops user, for reports. */
export const ETCD_MANAGER_ROLES: Record<EtcdManagerVersion, string> = {
  '3.0.20200116': "legacy, the incident's kind",
  '3.0.20200428': "the kops advisory's fixed version",
  'v3.0.20260707': 'current',
};

/**
 * The etcd-manager version as a matrix axis: the scenarios that follow it
 * (scenarios/kops/legacy-year.ts) run the version CERTDRILL_ETCD_MANAGER_VERSION
 * names, the legacy one when unset; their expectations stay what the
 * incident and the legacy code predict.
 */
export const ETCD_MANAGER_AXIS: MatrixAxis = { name: 'etcd-manager', env: 'CERTDRILL_ETCD_MANAGER_VERSION', values: ETCD_MANAGER_VERSIONS };

/** The etcd-manager version this process runs where a scenario follows the axis. */
export function etcdManagerUnderTest(env: NodeJS.ProcessEnv = process.env): EtcdManagerVersion {
  return axisValue(ETCD_MANAGER_AXIS, env) as EtcdManagerVersion;
}

/** Where the source is looked for; a user points it at their own copy. */
export const SOURCE_ENV = 'CERTDRILL_ETCD_MANAGER_SOURCE';

const BUILD_SCRIPT = fileURLToPath(new URL('./build.sh', import.meta.url));
const IMAGE_CONTEXT = fileURLToPath(new URL('./image', import.meta.url));

function cacheDir(): string {
  return process.env.CERTDRILL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'certdrill');
}

/** The image of one kops control-plane host's etcd side running this etcd-manager version, built on first use. */
export function kopsMasterImage(version: EtcdManagerVersion): ImageSource {
  return {
    repository: `certdrill/kops-master-${version}`,
    context: IMAGE_CONTEXT,
    include: CLOCK_SHIM_INCLUDE,
    buildArgs: suiteBuildArgs(),
    prebuild: async (progress) => ({ binaries: await kopsMasterBinaries(version, progress) }),
  };
}

/**
 * A folder with etcd-manager `version` (built from its source) and
 * kube-apiserver and kubectl (the kind node image's build, from the Go module
 * proxy), for the image's build context. Builds what is missing.
 */
export async function kopsMasterBinaries(version: EtcdManagerVersion, progress: (line: string) => void = () => {}): Promise<string> {
  const manager = (await runBuildScript(BUILD_SCRIPT, [version], '[etcd-manager]', progress)).split(' ').pop()!;
  const kubeBin = await runBuildScript(join(packageRoot(), 'kind-node', 'build.sh'), ['--apiserver'], '[kind-image]', progress);
  const dir = join(cacheDir(), 'kops-master', version);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Hard links: the build context gets the binaries without another copy on disk.
  await link(manager, join(dir, 'etcd-manager'));
  for (const program of ['kube-apiserver', 'kubectl']) await link(join(kubeBin, program), join(dir, program));
  return dir;
}
