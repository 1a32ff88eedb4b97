import { stat } from 'node:fs/promises';
import { UsageError } from '../util/errors.js';
import { readFolder } from './folder.js';
import { parseEndpoint, readEndpointInventory } from './tls-endpoint.js';
import type { Inventory } from './types.js';

export type { CertManagerCertificate, FoundCertificate, Inventory, Unreadable } from './types.js';

export { SOURCE_FORMS } from './source-forms.js';
import { SOURCE_FORMS } from './source-forms.js';

/** Reads the certificates of a source: a path that exists, `kubernetes[:context]`, or `host:port`. */
export async function readSource(source: string): Promise<Inventory> {
  if (await stat(source).catch(() => undefined)) return readFolder(source);
  // client-node is loaded only for a cluster: reading a folder does not pay for it.
  if (/^kubernetes(:.+)?$/.test(source)) return (await import('./kubernetes.js')).readKubernetes(source);
  if (parseEndpoint(source)) return readEndpointInventory(source);
  if (source.includes('/') || source.startsWith('.')) throw new UsageError(`cannot read ${source}: no such file or folder`);
  throw new UsageError(`${source} is not a source: give ${SOURCE_FORMS}`);
}
