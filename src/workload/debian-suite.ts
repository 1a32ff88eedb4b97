/**
 * Which Debian release the workloads' images are built on, and so which
 * versions they run: `bookworm` (the default: OTP 25, etcd 3.4) or `trixie`
 * (OTP 27, etcd 3.5), from CERTDRILL_DEBIAN_SUITE. Both come from the same
 * package mirror, so no registry is needed; the base image
 * debian:<suite>-slim is made by `npm run base-image` where it cannot be pulled.
 */
export const DEBIAN_SUITES = ['bookworm', 'trixie'] as const;
export type DebianSuite = (typeof DEBIAN_SUITES)[number];

export function debianSuite(env: NodeJS.ProcessEnv = process.env): DebianSuite {
  const suite = env.CERTDRILL_DEBIAN_SUITE ?? 'bookworm';
  return (DEBIAN_SUITES as readonly string[]).includes(suite) ? (suite as DebianSuite) : 'bookworm';
}

/** What is wrong with CERTDRILL_DEBIAN_SUITE, for a one-line error before anything is built; undefined when it is unset or known. */
export function debianSuiteProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const suite = env.CERTDRILL_DEBIAN_SUITE;
  if (suite === undefined || (DEBIAN_SUITES as readonly string[]).includes(suite)) return undefined;
  return `CERTDRILL_DEBIAN_SUITE=${suite} is not a suite certdrill builds on: use ${DEBIAN_SUITES.join(' or ')}, or unset it`;
}

/** The build argument that makes an image FROM debian:<suite>-slim; none for the default, so its tag stays as it was. */
export function suiteBuildArgs(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const suite = debianSuite(env);
  return suite === 'bookworm' ? {} : { BASE_IMAGE: `debian:${suite}-slim` };
}
