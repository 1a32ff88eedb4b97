import { placeCertificates } from '../pki/chains.js';
import { commonName } from '../pki/inspect.js';
import { UsageError } from '../util/errors.js';
import type { FoundCertificate, Inventory } from './types.js';
import { commandLine } from '../util/command-words.js';

/** A certificate's window and how a report names it. */
export interface Window {
  /** Its common name, as titles say it. */
  name: string;
  /** Where it was read. */
  from: string;
  notBefore: Date;
  notAfter: Date;
  /** What its place in a known layout says it is (`etcd-manager peers CA`, `etcd-server`). */
  role?: string;
}

/** What a rehearsal forges again (new keys, the same windows) and the instants it walks the clocks through. */
export interface RehearsalShape {
  source: string;
  ca: Window;
  /** The leaves the CA signed, soonest to expire first. */
  leaves: Window[];
  /** Each upcoming expiry, in order, and which of the certificates expire then. */
  instants: { at: Date; expiring: string[] }[];
  /**
   * The cert-manager CA Issuer that signs with this CA, where the source has
   * one: a rehearsal on Kubernetes replays its issuance (each pod requesting
   * its certificate at start) instead of forging the leaves.
   */
  issuer?: { name: string; ready?: string };
}

/**
 * The chain a rehearsal replays: of the CAs read with leaves they signed, the
 * one whose chain breaks first. Only certificates not yet expired can be
 * replayed forward.
 */
export function rehearsalShape(inventory: Inventory, now: Date): RehearsalShape {
  const { placed } = placeCertificates(inventory.certificates, now);
  const byCa = new Map<FoundCertificate, FoundCertificate[]>();
  for (const p of placed) if (p.issuer && !p.item.info.isCa) byCa.set(p.issuer, [...(byCa.get(p.issuer) ?? []), p.item]);
  if (byCa.size === 0)
    throw new UsageError(
      `${inventory.source} holds no CA together with a leaf it signed: a rehearsal replays such a chain (${commandLine('inspect', inventory.source)} shows what is there)`,
    );
  const breaksAt = ([ca, leaves]: [FoundCertificate, FoundCertificate[]]) =>
    Math.min(ca.info.notAfter.getTime(), ...leaves.map((l) => l.info.notAfter.getTime()));
  const [ca, leaves] = [...byCa.entries()].sort((a, b) => breaksAt(a) - breaksAt(b))[0]!;
  const window = (f: FoundCertificate): Window => ({
    name: commonName(f.info.subject),
    from: f.from,
    notBefore: f.info.notBefore,
    notAfter: f.info.notAfter,
    ...(f.role ? { role: f.role } : {}),
  });
  const all = [window(ca), ...leaves.map(window)];
  const expired = all.find((w) => w.notAfter.getTime() <= now.getTime());
  if (expired)
    throw new UsageError(
      `${expired.name} (${expired.from}) expired on ${expired.notAfter.toISOString()}: its chain is broken already, there is nothing ahead to replay (${commandLine('inspect')} shows it)`,
    );
  const instants = new Map<number, string[]>();
  for (const w of all) instants.set(w.notAfter.getTime(), [...(instants.get(w.notAfter.getTime()) ?? []), w.name]);
  const issuer = inventory.issuers?.find(
    (i) => i.ca && i.ca.notAfter.getTime() === ca.info.notAfter.getTime() && commonName(i.ca.subject) === commonName(ca.info.subject),
  );
  return {
    source: inventory.source,
    ...(issuer ? { issuer: { name: issuer.name, ...(issuer.ready ? { ready: issuer.ready } : {}) } } : {}),
    ca: window(ca),
    leaves: leaves.map(window).sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime()),
    instants: mergeNear([...instants.entries()].sort(([a], [b]) => a - b).map(([at, expiring]) => ({ at: new Date(at), expiring }))),
  };
}

/**
 * Expiries less than this apart are one instant (certificates issued together
 * expire a second or two apart), and a rehearsal walks the clocks this far
 * past each: far enough that every clock is past it, near enough to be "at" it.
 */
const SAME_INSTANT_MS = 60_000;

/** Where a rehearsal sets the clocks for an instant: a minute past it. */
export function pastInstant(at: Date): Date {
  return new Date(at.getTime() + SAME_INSTANT_MS);
}

/** An instant as rehearsal reports say it: to the minute, UTC. */
export function utcMinute(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function mergeNear(instants: { at: Date; expiring: string[] }[]): { at: Date; expiring: string[] }[] {
  const merged: { at: Date; expiring: string[] }[] = [];
  for (const instant of instants) {
    const previous = merged.at(-1);
    if (previous && instant.at.getTime() - previous.at.getTime() < SAME_INSTANT_MS) {
      merged[merged.length - 1] = { at: instant.at, expiring: [...new Set([...previous.expiring, ...instant.expiring])] };
    } else merged.push(instant);
  }
  return merged;
}
