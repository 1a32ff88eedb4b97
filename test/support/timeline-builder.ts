import type { AlertRecord, CertificateRecord, StepRecord, TimelineRecord } from '../../src/observe/records.js';
import { membershipDown, membershipUp, type MembershipSample } from '../../src/workload/membership-view.js';

/** Hand-made timelines for the pure code that reads them (checks, report). */
export class TimelineBuilder {
  readonly records: TimelineRecord[] = [];
  private clock = Date.parse('2026-11-23T03:00:00.000Z');

  at(secondsFromStart: number): this {
    this.clock = Date.parse('2026-11-23T03:00:00.000Z') + secondsFromStart * 1000;
    return this;
  }

  /** At an instant given in full, for a record whose time must match a certificate's dates. */
  atInstant(ms: number): this {
    this.clock = ms;
    return this;
  }

  private t(): string {
    return new Date(this.clock).toISOString();
  }

  sees(node: string, sees: string[], nodeOffsetSeconds = 0): this {
    const record = { t: this.t(), ...membershipUp(node, sees, { nodeTime: new Date(this.clock + nodeOffsetSeconds * 1000).toISOString() }) };
    this.records.push(record as MembershipSample);
    return this;
  }

  down(node: string): this {
    this.records.push({ t: this.t(), ...membershipDown(node, 'fetch failed (ECONNREFUSED)') } as MembershipSample);
    return this;
  }

  /** A probe whose deadline passed: the harness got no answer. */
  unanswered(node: string): this {
    this.records.push({ t: this.t(), ...membershipDown(node, 'no answer within 3 s', true) } as MembershipSample);
    return this;
  }

  step(id: string, title = id, startedAtSeconds?: number): this {
    const startedAt =
      startedAtSeconds === undefined ? this.t() : new Date(Date.parse('2026-11-23T03:00:00.000Z') + startedAtSeconds * 1000).toISOString();
    const record: StepRecord = { t: this.t(), kind: 'step', id, title, startedAt, outcome: 'done' };
    this.records.push(record);
    return this;
  }

  /** A read of what `node` holds at `role` (a file), valid to `notAfter`; `unchanged` for a restatement after a step. */
  held(node: string, role: string, notAfter: string, unchanged = false): this {
    const record: CertificateRecord = {
      t: this.t(),
      sentAt: new Date(this.clock - 100).toISOString(),
      kind: 'certificate',
      node,
      name: `${node} ${role}`,
      role,
      madeBy: 'etcd-manager',
      serial: notAfter.replace(/\D/g, ''),
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter,
      fingerprint: notAfter,
      source: 'held',
      ...(unchanged ? { unchanged: true as const } : {}),
    };
    this.records.push(record);
    return this;
  }

  alert(node: string, text: string, cls: AlertRecord['class'] = 'certificate-expired'): this {
    this.records.push({ t: this.t(), kind: 'alert', node, class: cls, text, side: 'server', direction: 'received', nodeTime: this.t() });
    return this;
  }
}

export const MESH: Record<string, string[]> = {
  node1: ['node2', 'node3'],
  node2: ['node1', 'node3'],
  node3: ['node1', 'node2'],
};
