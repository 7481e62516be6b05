/** The session cookie from a Set-Cookie list, or null. */
function sessionCookie(response: Response): string | null {
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';')[0]!;
    if (pair.startsWith('sesame.sid=')) return pair;
  }
  return null;
}

function csrfField(html: string): string | null {
  const match = /<input[^>]*name="_csrf"[^>]*value="([^"]*)"/.exec(html);
  return match ? match[1]!.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : null;
}

export interface LoginForm {
  cookie: string;
  csrfToken: string;
}

/** GET /login as a browser does: a session cookie and the form's CSRF token. */
export async function openLoginForm(baseUrl: string): Promise<LoginForm> {
  const page = await fetch(`${baseUrl}/login`, { headers: { accept: 'text/html' }, redirect: 'manual' });
  const cookie = sessionCookie(page);
  const csrfToken = csrfField(await page.text());
  if (page.status !== 200 || !cookie || !csrfToken) throw new Error(`GET /login answered ${page.status} without a session cookie and CSRF token`);
  return { cookie, csrfToken };
}

/**
 * Signs in through the real login form (GET for the CSRF token, POST the credentials) and returns
 * the signed-in session's cookie. Anything but the 303 of a successful sign-in is an error.
 */
export async function signInThroughForm(baseUrl: string, username: string, password: string): Promise<string> {
  const form = await openLoginForm(baseUrl);
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ _csrf: form.csrfToken, username, password, next: '/' }).toString(),
    redirect: 'manual',
  });
  await response.arrayBuffer();
  const cookie = sessionCookie(response);
  if (response.status !== 303 || !cookie) throw new Error(`signing in ${username} answered ${response.status}, not a 303 with a new session`);
  return cookie;
}
