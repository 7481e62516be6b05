/**
 * Floods of unauthenticated SAML requests (security review, finding 2): each address is rate
 * limited on /saml/sso, /saml/slo and /saml/ecp (429 with Retry-After, before any parsing), and
 * refused requests cannot grow the append-only audit log without bound: text an attacker controls
 * is cut to 128 characters, and repeats of one rule from one address are counted, not written.
 * Limits are lowered here (SESAME_SAML_RATE_PER_SECOND=2, SESAME_SAML_RATE_BURST=12) so a few
 * requests show them; the defaults are 20 per second with a burst of 40.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sesameCli, startSesame, type SesameInstance } from '../../helpers/sesameProcess';
import { authnRequest, redirectQuery } from './craftedRequests';

let idp: SesameInstance;

before(async () => {
  idp = await startSesame({ SESAME_WORKERS: '1', SESAME_SAML_RATE_PER_SECOND: '2', SESAME_SAML_RATE_BURST: '12' });
});

after(async () => {
  await idp?.stop();
});

interface AuditRow {
  event: string;
  subject: string | null;
  details: { rule?: string; sp?: string; reason?: string };
}

function audit(): AuditRow[] {
  const result = sesameCli(idp, ['audit', 'list', '--limit', '10000', '--json']);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as AuditRow[];
}

describe('floods of unauthenticated SAML requests', () => {
  test('ten refusals of one rule from one address write three audit rows, each with the 1,000-character issuer cut to 128', async () => {
    const longIssuer = `https://${'x'.repeat(1000)}.test`;
    const query = redirectQuery(authnRequest({ issuer: longIssuer, destination: null }).xml);
    for (let i = 0; i < 10; i++) {
      const page = await fetch(`${idp.baseUrl}/saml/sso?${query}`, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 403);
      assert.match(await page.text(), /<code>request\.issuer<\/code>/);
    }
    const refused = audit().filter((row) => row.event === 'saml.request.refused' && row.details.rule === 'request.issuer');
    assert.equal(refused.length, 3, 'the rest are counted for one audit.suppressed row when the minute is over');
    for (const row of refused) {
      assert.ok(row.subject!.length <= 128 && row.details.sp!.length <= 128 && row.details.reason!.length <= 128, JSON.stringify(row).slice(0, 300));
    }
  });

  test('beyond the burst, /saml/sso, /saml/slo and /saml/ecp answer 429 with Retry-After before parsing anything; other pages are not limited', async () => {
    // The ten requests above used most of the burst of 12; 40 at once from the same address empty the bucket.
    const sso = Array.from({ length: 30 }, () => fetch(`${idp.baseUrl}/saml/sso?SAMLRequest=x`, { headers: { accept: 'text/html' } }));
    const slo = Array.from({ length: 5 }, () => fetch(`${idp.baseUrl}/saml/slo?SAMLRequest=x`, { headers: { accept: 'text/html' } }));
    const ecp = Array.from({ length: 5 }, () => fetch(`${idp.baseUrl}/saml/ecp`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<x/>' }));
    const [ssoAnswers, sloAnswers, ecpAnswers] = await Promise.all([Promise.all(sso), Promise.all(slo), Promise.all(ecp)]);
    const limited = ssoAnswers.filter((r) => r.status === 429);
    assert.ok(limited.length >= 10, `statuses: ${ssoAnswers.map((r) => r.status).join(',')}`);
    assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
    assert.match(await limited[0]!.text(), /Too many requests[\s\S]*<code>saml\.rate<\/code>/);
    assert.ok(sloAnswers.some((r) => r.status === 429), `/saml/slo: ${sloAnswers.map((r) => r.status).join(',')}`);
    const ecpLimited = ecpAnswers.find((r) => r.status === 429);
    assert.ok(ecpLimited, `/saml/ecp: ${ecpAnswers.map((r) => r.status).join(',')}`);
    assert.match(await ecpLimited.text(), /<faultcode>S:Client<\/faultcode><faultstring>saml\.rate: /);
    assert.equal((await fetch(`${idp.baseUrl}/saml/metadata`)).status, 200, 'metadata is not a SAML message endpoint');
    assert.equal((await fetch(`${idp.baseUrl}/login`)).status, 200);
    const rateRows = audit().filter((row) => row.details.rule === 'saml.rate');
    assert.equal(rateRows.length, 0, 'a limited request is not audited at all');
  });
});
