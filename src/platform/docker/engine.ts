import { request } from 'node:http';

/**
 * Whether the engine DOCKER_HOST names answers `/_ping`. testcontainers
 * falls back to the default socket when DOCKER_HOST does not answer; a user
 * who set DOCKER_HOST means that engine, so certdrill checks it first.
 * Returns undefined when it answers or cannot be checked this way (TLS hosts).
 */
export async function dockerHostProblem(dockerHost: string | undefined, timeoutMs = 5000): Promise<string | undefined> {
  if (!dockerHost || process.env.DOCKER_TLS_VERIFY) return undefined;
  let target: { socketPath: string } | { host: string; port: number };
  if (dockerHost.startsWith('unix://')) {
    target = { socketPath: dockerHost.slice('unix://'.length) };
  } else if (dockerHost.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else {
    return undefined;
  }
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `answered /_ping with HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}
