import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditText, RefusalAudit } from '../../src/sp/refusalAudit';
import type { AuditEntry } from '../../src/store/store';

function recorder() {
  const rows: AuditEntry[] = [];
  return { rows, store: { appendAudit: async (entry: AuditEntry) => void rows.push(entry) } };
}

describe('RefusalAudit: refused unauthenticated SAML requests cannot grow the append-only audit log without bound', () => {
  test('attacker-controlled text (issuer, subject, reason) is cut to 128 characters', async () => {
    const { rows, store } = recorder();
    const audit = new RefusalAudit(store);
    const issuer = 'https://' + 'x'.repeat(1000) + '.test';
    await audit.record({ event: 'saml.request.refused', actor: 'anonymous', subject: issuer, clientIp: '192.0.2.1', rule: 'request.issuer', details: { sp: issuer, reason: `The service provider "${issuer}" is not registered.` } });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.subject!.length, 128);
    assert.equal((rows[0]!.details!.sp as string).length, 128);
    assert.equal((rows[0]!.details!.reason as string).length, 128);
    assert.equal(rows[0]!.details!.rule, 'request.issuer');
    assert.equal(auditText('short'), 'short');
    assert.equal(auditText(null), null);
  });

  test('per address and rule: the first 3 refusals of a minute are written, the rest counted; one "audit.suppressed" row says how many', async () => {
    const { rows, store } = recorder();
    let now = Date.parse('2026-11-24T10:00:00Z');
    const audit = new RefusalAudit(store, { now: () => now });
    const refuse = (ip: string, rule: string) => audit.record({ event: 'saml.request.refused', actor: 'anonymous', clientIp: ip, rule, details: { reason: 'x' } });
    for (let i = 0; i < 1000; i++) {
      await refuse('192.0.2.1', 'intake.depth');
      now += 10;
    }
    await refuse('192.0.2.1', 'request.issuer');
    await refuse('198.51.100.7', 'intake.depth');
    assert.equal(rows.filter((r) => r.clientIp === '192.0.2.1' && r.details!.rule === 'intake.depth').length, 3);
    assert.equal(rows.filter((r) => r.details!.rule === 'request.issuer').length, 1, 'another rule is its own window');
    assert.equal(rows.filter((r) => r.clientIp === '198.51.100.7').length, 1, 'another address is its own window');
    now += 60_000;
    await refuse('192.0.2.1', 'intake.depth');
    const summary = rows.filter((r) => r.event === 'audit.suppressed');
    assert.equal(summary.length, 1);
    assert.deepEqual(
      { ip: summary[0]!.clientIp, of: summary[0]!.details!.of, rule: summary[0]!.details!.rule, suppressed: summary[0]!.details!.suppressed },
      { ip: '192.0.2.1', of: 'saml.request.refused', rule: 'intake.depth', suppressed: 997 },
    );
    assert.equal(rows.filter((r) => r.details!.rule === 'intake.depth' && r.event === 'saml.request.refused').length, 5, 'the new minute writes again');
    assert.ok(rows.length < 10, `${rows.length} rows for 1,003 refusals`);
  });

  test('a window without suppressed refusals ends silently; flush() summarises finished windows without new traffic', async () => {
    const { rows, store } = recorder();
    let now = 0;
    const audit = new RefusalAudit(store, { now: () => now, perKey: 1 });
    await audit.record({ event: 'slo.refused', actor: 'anonymous', clientIp: '192.0.2.9', rule: 'signature.missing' });
    await audit.record({ event: 'slo.refused', actor: 'anonymous', clientIp: '192.0.2.9', rule: 'signature.missing' });
    await audit.record({ event: 'slo.refused', actor: 'anonymous', clientIp: '192.0.2.10', rule: 'signature.missing' });
    now = 61_000;
    await audit.flush();
    assert.deepEqual(rows.map((r) => `${r.event} ${r.clientIp}`), ['slo.refused 192.0.2.9', 'slo.refused 192.0.2.10', 'audit.suppressed 192.0.2.9']);
  });
});
