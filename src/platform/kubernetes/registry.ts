import { runChild } from '../../util/child-process.js';
import { EnvironmentError, UsageError } from '../../util/errors.js';
import { firstLine } from '../../util/text.js';

const ANSWER_TIMEOUT_MS = 5_000;
const PUSH_TIMEOUT_MS = 600_000;

/** A registry as docker names one: a host, an optional port, an optional path; no scheme. */
export function parseRegistry(text: string): string {
  const registry = text.replace(/\/+$/, '');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9._-]+)*$/i.test(registry))
    throw new UsageError(`--image-registry ${text}: name a registry as docker does, host[:port][/path] (e.g. registry.example:5000/team), no scheme`);
  return registry;
}

/** Where the cluster pulls an image certdrill built (`certdrill/erlang-app:<hash>`): the same name and tag, under the registry. */
export function registryReference(registry: string, tag: string): string {
  return `${registry}/${tag}`;
}

/**
 * The registry answers the distribution API (`/v2/`: 200, or 401 where it
 * wants a login docker has): asked over HTTPS, then HTTP, before anything is made.
 */
export async function ensureRegistryAnswers(registry: string): Promise<void> {
  const host = registry.split('/')[0]!;
  const tried: string[] = [];
  for (const scheme of ['https', 'http']) {
    const url = `${scheme}://${host}/v2/`;
    const status = await fetch(url, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) }).then(
      (response) => response.status,
      (error: unknown) => firstLine((error as { cause?: unknown }).cause ?? error),
    );
    if (status === 200 || status === 401) return;
    tried.push(`${url}: ${typeof status === 'number' ? `HTTP ${status}` : status}`);
  }
  throw new EnvironmentError(
    `--image-registry ${registry}: no registry answers (${tried.join('; ')}): start it, or name one this host pushes to and the cluster's nodes pull from`,
  );
}

/** Tags the built image under the registry and pushes it there (docker's own credentials and transport). */
export async function pushImage(tag: string, reference: string, signal?: AbortSignal): Promise<void> {
  const tagged = await runChild('docker', ['tag', tag, reference], { reject: false, timeout: 30_000 });
  if (tagged.exitCode !== 0) throw new Error(`docker tag ${tag} ${reference}: ${firstLine(tagged.stderr || tagged.stdout)}`);
  const pushed = await runChild('docker', ['push', reference], { reject: false, timeout: PUSH_TIMEOUT_MS, signal });
  if (pushed.exitCode !== 0)
    throw new EnvironmentError(
      `could not push ${reference} (${firstLine(pushed.stderr || pushed.stdout)}): is --image-registry one this host may push to?`,
    );
}
