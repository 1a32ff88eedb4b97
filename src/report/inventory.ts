import { describeWarning, placeCertificates, type Placed } from '../pki/chains.js';
import { CERT_MANAGER_DEFAULT_DURATION_MS, type CertManagerIssuer, type FoundCertificate, type Inventory } from '../inventory/types.js';
import { commonName } from '../pki/inspect.js';
import { cell, code, utc } from './format.js';
import { mermaidName } from './mermaid.js';

/**
 * What `npm run inspect` prints: when the first certificate expires, a table
 * in the manner of `kubeadm certs check-expiration`, the warnings, and a
 * mermaid gantt chart of the validity windows against now (GitHub renders it
 * where the markdown is shown). Pure: the inventory and `now` in, markdown out.
 */
export function renderInventory(inventory: Inventory, now: Date, marks: { label: string; at: Date }[] = []): string {
  const { placed, warnings } = placeCertificates(inventory.certificates, now);
  const issuerNotes = issuerWarnings(inventory.issuers ?? [], now);
  const lines: string[] = [`# Certificates of ${code(inventory.source)}`, ''];
  lines.push(
    `Read ${utc(now)}: ${count(placed.length, 'certificate')}${inventory.keysSkipped ? `; ${count(inventory.keysSkipped, 'private key')} seen and left unread` : ''}.`,
    '',
  );
  const first = firstExpiry(placed, now);
  if (first) {
    lines.push(`**First to expire: ${name(first.item)}, ${utc(first.item.info.notAfter)} (${timeLeft(first.item.info.notAfter, now)}).**`, '');
    const broken = placed.filter((p) => p.expiresFirst === first.item && p.item !== first.item);
    if (broken.length)
      lines.push(
        `From then on ${broken.length === 1 ? 'this certificate fails' : `these ${broken.length} certificates fail`} verification through it: ${broken.map((p) => name(p.item)).join(', ')}.`,
        '',
      );
  }
  lines.push(
    '| certificate | subject | issuer | SANs | not before | not after | residual time | expires first in its chain |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const p of byExpiry(placed)) {
    const f = p.item;
    const firstInChain = p.expiresFirst === f ? 'itself' : `${name(p.expiresFirst)}, ${day(p.expiresFirst.info.notAfter)}`;
    lines.push(
      `| ${cell(name(f))} | ${cell(f.info.subject)}${f.info.isCa ? ' (CA)' : ''} | ${cell(p.selfSigned ? 'self-signed' : f.info.issuer)} | ${cell(f.info.altNames.join(', ') || '—')} | ${day(f.info.notBefore)} | ${day(f.info.notAfter)} | ${timeLeft(f.info.notAfter, now)} | ${cell(firstInChain)} |`,
    );
  }
  lines.push('');
  if (warnings.length || inventory.unreadable.length || issuerNotes.length) {
    lines.push('## Warnings', '');
    for (const w of warnings) lines.push(`- ${describeWarning(w)}`);
    for (const note of issuerNotes) lines.push(`- ${note}`);
    for (const u of inventory.unreadable) lines.push(`- not read: ${code(u.from)} ${u.reason}`);
    lines.push('');
  }
  if (inventory.certManager.length) {
    lines.push('## cert-manager Certificates', '', '| Certificate | Secret | issuer | CA | duration | renewBefore |', '|---|---|---|---|---|---|');
    for (const c of inventory.certManager) {
      lines.push(
        `| ${cell(`${c.namespace}/${c.name}`)} | ${cell(c.secretName)} | ${cell(c.issuer ?? '—')} | ${c.isCA ? 'yes' : 'no'} | ${c.duration ?? '90d (default)'} | ${c.renewBefore ?? '1/3 of duration (default)'} |`,
      );
    }
    lines.push('');
  }
  if (inventory.issuers?.length) {
    lines.push('## cert-manager Issuers', '', '| Issuer | CA Secret | its CA | CA not after | Ready |', '|---|---|---|---|---|');
    for (const i of inventory.issuers)
      lines.push(
        `| ${cell(issuerName(i))} | ${cell(i.caSecret ?? '— (not a CA issuer)')} | ${cell(i.ca?.subject ?? (i.caSecret ? 'not read' : '—'))} | ${i.ca ? `${day(i.ca.notAfter)} (${timeLeft(i.ca.notAfter, now)})` : '—'} | ${cell(i.ready ?? 'no condition')} |`,
      );
    lines.push('');
  }
  lines.push('## Validity windows', '', ...validityChart(placed, now, marks), '');
  return lines.join('\n');
}

/** cert-manager's default duration: what a request without one gets. */

/**
 * What cert-manager will not say about a CA Issuer: Ready on a CA that has
 * expired (it signs with it anyway, and what it signs fails verification),
 * or that would sign leaves outliving its CA (its NotAfter is not clamped).
 */
export function issuerWarnings(issuers: readonly CertManagerIssuer[], now: Date): string[] {
  const notes: string[] = [];
  for (const i of issuers) {
    if (!i.ca) continue;
    const left = i.ca.notAfter.getTime() - now.getTime();
    if (left < 0 && i.readyStatus === 'True')
      notes.push(
        `${issuerName(i)} is Ready, but its CA ${i.ca.subject} expired ${utc(i.ca.notAfter)}: cert-manager signs with it anyway, and what it signs fails verification`,
      );
    else if (left < 0) notes.push(`${issuerName(i)}: its CA ${i.ca.subject} expired ${utc(i.ca.notAfter)}; what it signs fails verification`);
    else if (left < CERT_MANAGER_DEFAULT_DURATION_MS)
      notes.push(
        `${issuerName(i)} would sign leaves outliving its CA ${i.ca.subject} (${utc(i.ca.notAfter)}, ${timeLeft(i.ca.notAfter, now)} left): a certificate of cert-manager's default 90 days is not cut to the CA's end, and fails verification when the CA expires`,
      );
  }
  return notes;
}

function issuerName(i: CertManagerIssuer): string {
  return i.kind === 'Issuer' ? `Issuer ${i.namespace}/${i.name}` : `ClusterIssuer ${i.name}`;
}

/** The certificate whose own expiry comes first among those not yet expired (else the latest to have expired). */
export function firstExpiry<T extends FoundCertificate>(placed: Placed<T>[], now: Date): Placed<T> | undefined {
  const sorted = byExpiry(placed);
  return sorted.find((p) => p.item.info.notAfter.getTime() >= now.getTime()) ?? sorted.at(-1);
}

function byExpiry<T extends FoundCertificate>(placed: Placed<T>[]): Placed<T>[] {
  return [...placed].sort((a, b) => a.item.info.notAfter.getTime() - b.item.info.notAfter.getTime());
}

/** A mermaid gantt chart: one section per chain (named by its root), a bar per certificate, now and the marks as milestones. */
export function validityChart<T extends FoundCertificate>(placed: Placed<T>[], now: Date, marks: { label: string; at: Date }[] = []): string[] {
  const sections = new Map<string, Placed<T>[]>();
  for (const p of byExpiry(placed)) {
    const root = p.chain.at(-1)!;
    const key = p.selfSigned || p.chain.length > 1 ? `chain of ${name(root)}` : `issued by ${p.item.info.issuer} (not read)`;
    sections.set(key, [...(sections.get(key) ?? []), p]);
  }
  const first = firstExpiry(placed, now)?.item;
  const lines = [
    '```mermaid',
    'gantt',
    `  title Validity windows, read ${minute(now)} UTC`,
    '  dateFormat YYYY-MM-DD HH:mm',
    '  axisFormat %Y-%m-%d',
  ];
  let id = 0;
  for (const [section, members] of sections) {
    lines.push(`  section ${mermaidName(section)}`);
    for (const p of members) {
      const expired = p.item.info.notAfter.getTime() < now.getTime();
      const tags = [p.item === first ? 'crit' : '', expired ? 'done' : ''].filter(Boolean);
      lines.push(
        `  ${mermaidName(name(p.item))} :${[...tags, `c${id++}`].join(', ')}, ${minute(p.item.info.notBefore)}, ${minute(p.item.info.notAfter)}`,
      );
    }
  }
  lines.push('  section instants', `  now :milestone, ${minute(now)}, 0d`);
  for (const mark of marks) lines.push(`  ${mermaidName(mark.label)} :milestone, ${minute(mark.at)}, 0d`);
  lines.push('```');
  return lines;
}

/** How a certificate is named in a report: its role where the layout says, else its common name, and where it was read. */
export function name(f: FoundCertificate): string {
  const cn = commonName(f.info.subject);
  return `${f.role ? `${f.role}: ` : ''}${cn} (${f.from})`;
}

/** Like kubeadm's RESIDUAL TIME: `364d`, `22h`; expired ones say how long ago. */
export function timeLeft(notAfter: Date, now: Date): string {
  const ms = notAfter.getTime() - now.getTime();
  const text = (abs: number) =>
    abs >= 86_400_000 ? `${Math.floor(abs / 86_400_000)}d` : abs >= 3_600_000 ? `${Math.floor(abs / 3_600_000)}h` : `${Math.floor(abs / 60_000)}m`;
  return ms >= 0 ? text(ms) : `expired ${text(-ms)} ago`;
}

function day(date: Date): string {
  return utc(date).slice(0, 16);
}

function minute(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
