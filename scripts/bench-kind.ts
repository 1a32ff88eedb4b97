#!/usr/bin/env -S npx tsx
/**
 * Times the kind platform's three costs, as whole commands, and prints a table
 * (a benchmark, not a test: nothing here passes or fails):
 *
 *   cold node image   kind-node/build.sh with no image, no Docker build cache
 *                     and empty Go caches (as on a fresh machine); --skip-cold skips it
 *   create cluster    `kind create cluster` from certdrill's node image and
 *                     config, until the node is Ready and CoreDNS answers
 *   erlang-ca-expiry  the whole command on a reused kind cluster, against the
 *                     same on docker
 *
 *   npm run bench:kind [-- --runs N] [--skip-cold]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, argv } from 'zx';
import { KindCli } from '../src/platform/kind/kind-cli.js';
import { CLUSTER } from '../src/platform/kind/kind-platform.js';
import { certdrillNodeImageTag, kindNodeVersions } from '../src/platform/kind/node-image.js';
import { kindClusterConfig } from '../src/platform/kind/cluster-config.js';

$.verbose = false;
$.quiet = true;
const runs = Number(argv.runs ?? 3);
const rows: [string, number[]][] = [];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (started: number) => (performance.now() - started) / 1000;
function report(label: string, samples: number[]): void {
  rows.push([label, samples]);
  console.log(`${label.padEnd(40)} median ${median(samples).toFixed(1).padStart(7)} s   (${samples.map((s) => s.toFixed(1)).join(', ')})`);
}

async function coldNodeImage(): Promise<void> {
  const tag = await certdrillNodeImageTag();
  const images = (await $`docker images --format {{.Repository}}:{{.Tag}}`).stdout.split('\n');
  const components = images.filter((i) =>
    /\/(kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|etcd|pause|coredns\/coredns):/.test(i),
  );
  await $`docker rmi -f ${[tag, ...components]}`.nothrow();
  await $`docker builder prune -af`.nothrow();
  const cache = await mkdtemp(join(tmpdir(), 'certdrill-bench-cache-'));
  const started = performance.now();
  const build = await $({
    env: { ...process.env, CERTDRILL_CACHE_DIR: cache, GOCACHE: join(cache, 'go-build'), GOMODCACHE: join(cache, 'go-mod') },
  })`bash kind-node/build.sh`.nothrow();
  const took = seconds(started);
  await $`chmod -R u+w ${cache}`.nothrow();
  await rm(cache, { recursive: true, force: true });
  if (build.exitCode !== 0) throw new Error(`the cold build failed:\n${build.stderr.split('\n').slice(-10).join('\n')}`);
  report('cold node image (Go, images, node)', [took]);
}

async function createCluster(): Promise<void> {
  const kind = new KindCli();
  const versions = kindNodeVersions();
  const image = await certdrillNodeImageTag();
  const dir = await mkdtemp(join(tmpdir(), 'certdrill-bench-kind-'));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    if ((await kind.clusters()).includes(CLUSTER)) await kind.delete(CLUSTER);
    const started = performance.now();
    await kind.create(
      CLUSTER,
      image,
      kindClusterConfig('certdrill', { coredns: versions.COREDNS_VERSION, etcd: versions.ETCD_VERSION }),
      join(dir, 'kind.yaml'),
      () => {},
    );
    // Ready for a scenario: what the platform waits for before it creates anything.
    await $`docker exec ${`${CLUSTER}-control-plane`} kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system wait --for=condition=Available deployment/coredns --timeout=120s`;
    samples.push(seconds(started));
  }
  report('kind create cluster, until CoreDNS ready', samples);
}

async function scenario(platform: 'docker' | 'kind'): Promise<void> {
  const samples: number[] = [];
  // Unmeasured: images built and, on kind, loaded into the new cluster, as a reused cluster has them.
  await $`node --import tsx src/cli/certdrill.ts run erlang-ca-expiry --platform ${platform} --keep-cluster --out ${await mkdtemp(join(tmpdir(), 'certdrill-bench-warm-'))}`.nothrow();
  for (let i = 0; i < runs; i++) {
    const out = await mkdtemp(join(tmpdir(), `certdrill-bench-${platform}-`));
    const started = performance.now();
    const result = await $`node --import tsx src/cli/certdrill.ts run erlang-ca-expiry --platform ${platform} --keep-cluster --out ${out}`.nothrow();
    samples.push(seconds(started));
    if (result.exitCode !== 0) console.log(`  (${platform} run ${i + 1} exited ${result.exitCode})`);
  }
  report(`erlang-ca-expiry on ${platform}${platform === 'kind' ? ' (cluster reused)' : ''}`, samples);
}

if (!argv['skip-cold']) await coldNodeImage();
await createCluster();
await scenario('kind');
await scenario('docker');
const kind = median(rows.find(([l]) => l.startsWith('erlang-ca-expiry on kind'))![1]);
const docker = median(rows.find(([l]) => l.startsWith('erlang-ca-expiry on docker'))![1]);
console.log(`erlang-ca-expiry: kind takes ${(kind / docker).toFixed(2)}x the docker time`);
// The cluster was made here, outside certdrill's ownership record: nothing else would delete it.
await new KindCli().delete(CLUSTER);
