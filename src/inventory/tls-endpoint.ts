import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { inspectCertificate } from '../pki/inspect.js';
import { UsageError } from '../util/errors.js';
import type { FoundCertificate, Inventory } from './types.js';

const HANDSHAKE_TIMEOUT_MS = 5_000;

/** `host:port`, `[v6]:port`: the parts, or undefined if the text is not that. */
export function parseEndpoint(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/**
 * The chain a TLS server presents, leaf first, as it presents it: nothing is
 * verified here (an expired or unknown chain is what one wants to see).
 */
export async function readTlsEndpoint(source: string, options: { role?: string; servername?: string } = {}): Promise<FoundCertificate[]> {
  const endpoint = parseEndpoint(source);
  if (!endpoint) throw new UsageError(`${source} is not host:port`);
  const { host, port } = endpoint;
  const servername = options.servername ?? (isIP(host) ? undefined : host);
  const chain = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}), timeout: HANDSHAKE_TIMEOUT_MS });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new UsageError(`${source} gave no TLS certificate: ${reason}`));
    };
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      socket.end();
      if (!peer || !peer.raw) return fail('the server sent no certificate');
      resolve(peer);
    });
    socket.once('timeout', () => fail(`no TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s (is it a TLS port?)`));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ECONNREFUSED'
          ? 'connection refused'
          : error.code === 'ENOTFOUND'
            ? `no such host ${host}`
            : /wrong version|packet length|unknown protocol/i.test(error.message)
              ? 'it does not speak TLS'
              : error.message,
      ),
    );
  });
  const certificates: FoundCertificate[] = [];
  const seen = new Set<string>();
  for (let at: DetailedPeerCertificate | undefined = chain, i = 1; at?.raw && !seen.has(at.fingerprint256); at = at.issuerCertificate, i++) {
    seen.add(at.fingerprint256);
    const cert = new X509Certificate(at.raw);
    certificates.push({ cert, info: inspectCertificate(cert.toString()), from: `${source} #${i}`, ...(options.role ? { role: options.role } : {}) });
  }
  return certificates;
}

export async function readEndpointInventory(source: string): Promise<Inventory> {
  return { source, certificates: await readTlsEndpoint(source), unreadable: [], keysSkipped: 0, certManager: [] };
}
