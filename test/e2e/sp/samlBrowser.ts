/**
 * Carries SAML messages between an SP peer (which has no web server of its own) and a running
 * Sesame, the way a browser would: Redirect-binding URLs are followed with the Sesame session
 * cookie; HTTP-POST binding messages are posted WITHOUT cookies, as a cross-site POST with
 * SameSite=Lax cookies arrives (cookies set by the answer are kept), and only the redirect that
 * follows carries the session.
 */
import assert from 'node:assert/strict';
import { BrowserSession, formAction, hiddenField } from '../../helpers/browserSession';

export interface SpOutgoing {
  url?: string;
  action?: string;
  fields?: Record<string, string>;
}

export interface Page {
  status: number;
  headers: Headers;
  body: string;
}

/** Delivers an SP's message to Sesame and returns Sesame's first answer. */
export async function deliver(browser: BrowserSession, out: SpOutgoing): Promise<Page> {
  if (out.url) {
    const url = new URL(out.url);
    assert.equal(url.origin, browser.baseUrl, `the SP sends the browser to ${url.origin}, not to Sesame`);
    return browser.get(url.pathname + url.search);
  }
  assert.ok(out.action && out.fields, 'the SP produced neither a URL nor a form');
  const action = new URL(out.action);
  assert.equal(action.origin, browser.baseUrl);
  // Cross-site: no Sesame cookie goes with it, but the transaction cookie Sesame sets is kept.
  return browser.postCrossSite(out.action, out.fields);
}

export interface SamlForm {
  action: string;
  fields: Record<string, string>;
  page: Page;
}

/** The auto-submitting SAML form on a Sesame page, or null. */
export function samlForm(page: Page): SamlForm | null {
  const action = formAction(page.body, 'saml-post');
  if (!action) return null;
  const fields: Record<string, string> = {};
  for (const name of ['SAMLResponse', 'SAMLRequest', 'RelayState']) {
    const value = hiddenField(page.body, name);
    if (value !== null) fields[name] = value;
  }
  return { action, fields, page };
}

/**
 * Follows Sesame's redirects after a delivered message until it hands something back to the SP:
 * signs in when sent to /login (with `credentials`), and returns the SAML form or redirect.
 */
export async function followToSp(browser: BrowserSession, first: Page, credentials?: { username: string; password: string }): Promise<{ form: SamlForm | null; redirect: string | null; page: Page; loginsShown: number }> {
  let page = first;
  let loginsShown = 0;
  for (let hop = 0; hop < 10; hop++) {
    const location = page.headers.get('location');
    if (page.status === 303 && location && location.startsWith('/login')) {
      loginsShown++;
      assert.ok(credentials, `Sesame asked for a sign-in (${location}) but the test gave no credentials`);
      // The login page itself (with reauth=1 for ForceAuthn it shows the form to a signed-in user too).
      const form = await browser.get(location);
      assert.equal(form.status, 200, `the login page ${location} answered ${form.status}`);
      const csrf = hiddenField(form.body, '_csrf');
      const next = hiddenField(form.body, 'next');
      assert.ok(csrf && next, 'the login page has its CSRF token and next field');
      const login = await browser.postForm('/login', { _csrf: csrf, next, username: credentials.username, password: credentials.password });
      assert.equal(login.status, 303, `sign-in failed: ${login.body.slice(0, 300)}`);
      page = await browser.get(login.headers.get('location')!);
      continue;
    }
    if (page.status === 303 && location && location.startsWith('/')) {
      page = await browser.get(location);
      continue;
    }
    if (page.status === 303 && location) return { form: null, redirect: location, page, loginsShown };
    return { form: samlForm(page), redirect: null, page, loginsShown };
  }
  throw new Error('too many redirects inside Sesame');
}
