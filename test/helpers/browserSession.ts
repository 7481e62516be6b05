/**
 * An HTTP client that behaves like a browser for our purposes: it keeps cookies (honouring Path),
 * does not follow redirects by itself, and can read hidden form fields from pages.
 */
export class BrowserSession {
  private readonly cookies = new Map<string, string>();
  /** The raw Set-Cookie headers seen, for assertions on cookie attributes. */
  readonly setCookieHeaders: string[] = [];

  constructor(readonly baseUrl: string) {}

  private cookieHeader(): string {
    return [...this.cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      this.setCookieHeaders.push(header);
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(pathAndQuery: string): Promise<{ status: number; headers: Headers; body: string }> {
    const response = await fetch(this.baseUrl + pathAndQuery, { headers: { cookie: this.cookieHeader(), accept: 'text/html' }, redirect: 'manual' });
    this.remember(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async postForm(pathAndQuery: string, fields: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
    const response = await fetch(this.baseUrl + pathAndQuery, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.remember(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /**
   * A form POST from another site (an SP's auto-submitting form): SameSite=Lax cookies are not sent
   * with it, but cookies the answer sets are kept, as a browser keeps them after a top-level navigation.
   */
  async postCrossSite(url: string, form: Record<string, string> | string): Promise<{ status: number; headers: Headers; body: string }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.remember(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  cookieValue(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** Reads the value of `<input name="NAME" value="...">` from HTML, decoding the entities EJS writes. */
export function hiddenField(html: string, name: string): string | null {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  if (!match) return null;
  return match[1]!
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The action attribute of the first form. */
export function formAction(html: string, id?: string): string | null {
  const match = new RegExp(`<form[^>]*${id ? `id="${id}"[^>]*` : ''}action="([^"]*)"`).exec(html);
  return match ? match[1]!.replace(/&amp;/g, '&') : null;
}

/** Signs in through the real form: GET /login for the CSRF token, then POST. */
export async function signIn(session: BrowserSession, username: string, password: string, next = '/') {
  const page = await session.get(`/login?next=${encodeURIComponent(next)}`);
  const csrf = hiddenField(page.body, '_csrf');
  if (!csrf) throw new Error('no CSRF token on the login page');
  return session.postForm('/login', { _csrf: csrf, username, password, next });
}

/** A browser signed in through the form, or a failed assertion quoting the answer. */
export async function signedInSession(baseUrl: string, who: { username: string; password: string }): Promise<BrowserSession> {
  const session = new BrowserSession(baseUrl);
  const login = await signIn(session, who.username, who.password);
  if (login.status !== 303) throw new Error(`sign-in of ${who.username} answered ${login.status}: ${login.body.slice(0, 300)}`);
  return session;
}
