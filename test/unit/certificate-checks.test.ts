import { describe, expect, it } from 'vitest';
import { TimelineQuery } from '../../src/observe/query.js';
import { windowAfter } from '../../src/scenario/checks.js';
import { certificateInForce, newCertificateFor, noNewCertificate } from '../../src/scenario/certificate-checks.js';
import { TimelineBuilder } from '../support/timeline-builder.js';

const FILE = 'peers/me.crt on the volume';
const OLD = '2027-12-05T00:00:00.000Z';
const NEW = '2028-12-05T00:00:00.000Z';

/** Two members hold OLD; a restart keeps it (restated after the step); a later removal step gets them NEW. */
function keptThenRenewed(): TimelineBuilder {
  return new TimelineBuilder()
    .at(1)
    .held('a', FILE, OLD)
    .held('b', FILE, OLD)
    .at(10)
    .step('restart')
    .at(11)
    .held('a', FILE, OLD, true)
    .held('b', FILE, OLD, true)
    .at(20)
    .step('remove')
    .at(25)
    .held('a', FILE, NEW)
    .held('b', FILE, NEW);
}

describe('noNewCertificate', () => {
  it("gives each member the certificate in force at the window's end, not the last one of the run", () => {
    const q = new TimelineQuery(keptThenRenewed().records);
    const result = noNewCertificate(q, ['a', 'b'], 'peers/me.crt', { window: windowAfter(q, 'restart', 'remove'), label: 'after the restart' });
    expect(result.verdict).toBe('pass');
    expect(result.observed).toContain(`a valid to ${OLD}`);
    expect(result.observed).not.toContain(NEW);
  });

  it("cannot judge a window in which a member's files were never read", () => {
    const b = new TimelineBuilder()
      .at(1)
      .held('a', FILE, OLD)
      .held('b', FILE, OLD)
      .at(10)
      .step('restart')
      .at(11)
      .held('a', FILE, OLD, true)
      .at(20)
      .step('remove');
    const q = new TimelineQuery(b.records);
    const result = noNewCertificate(q, ['a', 'b'], 'peers/me.crt', { window: windowAfter(q, 'restart', 'remove'), label: 'after the restart' });
    expect(result.verdict).toBe('unknown');
    expect(result.observed).toContain('b: peers/me.crt was never read');
  });

  it("fails when what a member holds at the window's end is not what it held when the window opened, though no read sent in it saw the change", () => {
    // The read that found NEW was sent 0.1 s before the step began; the next only restates it.
    const b = new TimelineBuilder()
      .at(1)
      .held('a', FILE, OLD)
      .at(10)
      .held('a', FILE, NEW)
      .step('restart', 'restart', 9.95)
      .at(12)
      .held('a', FILE, NEW, true);
    const q = new TimelineQuery(b.records);
    expect(noNewCertificate(q, ['a'], 'peers/me.crt', { window: { after: q.step('restart').startedAt }, label: 'after the restart' }).verdict).toBe(
      'fail',
    );
  });

  it("fails when a member's certificate changed in the window", () => {
    const q = new TimelineQuery(keptThenRenewed().records);
    expect(noNewCertificate(q, ['a', 'b'], 'peers/me.crt', { window: { after: q.step('remove').t }, label: 'after the removal' }).verdict).toBe(
      'fail',
    );
  });
});

describe('newCertificateFor', () => {
  it('does not take a restatement of the old certificate for a new one', () => {
    const q = new TimelineQuery(keptThenRenewed().records);
    const result = newCertificateFor(q, ['a', 'b'], 'peers/me.crt', {
      window: windowAfter(q, 'restart', 'remove'),
      days: 365,
      label: 'after the restart',
    });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain(`still holds the one valid to ${OLD}`);
  });

  it('takes a certificate made in the window though the read that found it was sent just before it opened', () => {
    // Made 365 days before NEW, at 2027-12-05T00:00:00Z real time, when the window opens; the probe was sent 0.1 s earlier.
    const opened = Date.parse(NEW) - 365 * 86_400_000;
    const b = new TimelineBuilder()
      .at(1)
      .held('a', FILE, OLD)
      .atInstant(opened)
      .step('restart')
      .atInstant(opened + 50)
      .held('a', FILE, NEW);
    const q = new TimelineQuery(b.records);
    const result = newCertificateFor(q, ['a'], 'peers/me.crt', {
      window: { after: q.step('restart').startedAt },
      days: 365,
      label: 'after the restart',
    });
    expect(result.verdict).toBe('pass');
    // Without its dates, a read sent before the window proves nothing: an older certificate is not taken.
    const older = new TimelineBuilder().at(1).held('a', FILE, OLD).at(10).step('restart').at(11).held('a', FILE, OLD, true);
    expect(
      newCertificateFor(new TimelineQuery(older.records), ['a'], 'peers/me.crt', {
        window: { after: new TimelineQuery(older.records).step('restart').startedAt },
        days: 365,
        label: 'after the restart',
      }).verdict,
    ).toBe('fail');
  });

  it('cannot judge when the files were never read in the window', () => {
    const b = new TimelineBuilder().at(1).held('a', FILE, OLD).at(10).step('restart').at(20).step('remove');
    const q = new TimelineQuery(b.records);
    expect(
      newCertificateFor(q, ['a'], 'peers/me.crt', { window: windowAfter(q, 'restart', 'remove'), days: 365, label: 'after the restart' }).verdict,
    ).toBe('unknown');
  });
});

describe('certificateInForce', () => {
  it('is the last read at or before the moment', () => {
    const q = new TimelineQuery(keptThenRenewed().records);
    expect(certificateInForce(q, 'a', 'peers/me.crt', q.step('remove').startedAt)?.notAfter).toBe(OLD);
    expect(certificateInForce(q, 'a', 'peers/me.crt')?.notAfter).toBe(NEW);
  });
});
