/**
 * User story (issue 2): a fresh install has no default password. Sesame prints a one-time setup
 * link at first start; the admin opens it, chooses a username and password, and signs in. The link
 * then stops working.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserSession, hiddenField, signIn } from '../helpers/browserSession';
import { startSesame, type SesameInstance } from '../helpers/sesameProcess';

let idp: SesameInstance;
before(async () => {
  idp = await startSesame();
});
after(async () => {
  await idp?.stop();
});

test('first start prints a one-time setup link that creates the first admin, then closes', async () => {
  const deadline = Date.now() + 5000;
  let match: RegExpExecArray | null = null;
  while (!(match = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(idp.output())) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(match, `setup link printed:\n${idp.output()}`);
  const token = match[1]!;

  const browser = new BrowserSession(idp.baseUrl);
  assert.equal((await browser.get('/setup?token=wrong')).status, 404);
  const form = await browser.get(`/setup?token=${token}`);
  assert.equal(form.status, 200);
  const csrf = hiddenField(form.body, '_csrf')!;
  const mismatch = await browser.postForm('/setup', { _csrf: csrf, token, username: 'root', password: 'first admin password', passwordRepeat: 'different admin password' });
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.body, /differ/);
  const created = await browser.postForm('/setup', { _csrf: csrf, token, username: 'root', displayName: 'Root Admin', password: 'first admin password', passwordRepeat: 'first admin password' });
  assert.equal(created.status, 303);

  assert.equal((await browser.get(`/setup?token=${token}`)).status, 404, 'the link is burned');
  const admin = new BrowserSession(idp.baseUrl);
  assert.equal((await signIn(admin, 'root', 'first admin password')).status, 303);
  assert.match((await admin.get('/')).body, /Root Admin/);
});
