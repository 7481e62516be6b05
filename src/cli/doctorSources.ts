import fs from 'node:fs';
import { CliError } from './cliError';
import { promptHidden } from './prompt';

/** Where the response came from, for the report. */
export interface ResponseSource {
  /** The SAMLResponse value (standard base64), or the XML when a file held XML. */
  samlResponse?: string;
  xml?: string;
  description: string;
}

const FETCH_TIMEOUT_MS = 15_000;

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A response as admins capture it: the Response XML, its base64 (the SAMLResponse form field), or
 * the whole form body copied from the browser's network tab (`SAMLResponse=…&RelayState=…`).
 */
export function responseFromText(text: string, description: string): ResponseSource {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('<')) return { xml: text.trim(), description };
  if (/^SAMLResponse=/.test(trimmed)) {
    const value = new URLSearchParams(trimmed).get('SAMLResponse');
    if (!value) throw new CliError(`${description}: the form body has an empty SAMLResponse`);
    return { samlResponse: value, description };
  }
  if (trimmed === '') throw new CliError(`${description} is empty`);
  return { samlResponse: trimmed, description };
}

export async function responseFromFile(file: string): Promise<ResponseSource> {
  if (file === '-') return responseFromText(await readAllStdin(), 'standard input');
  try {
    return responseFromText(fs.readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--response: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function fetchWithTimeout(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw new CliError(`cannot reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, 1);
  }
}

/** IdP metadata from a file or an http(s) URL (what an admin uploads to IAM). */
export async function metadataFrom(location: string): Promise<{ xml: string; description: string }> {
  if (/^https?:\/\//i.test(location)) {
    const response = await fetchWithTimeout(location, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    if (response.status !== 200) throw new CliError(`--metadata: ${location} answered HTTP ${response.status}`, 1);
    return { xml: await response.text(), description: location };
  }
  try {
    return { xml: fs.readFileSync(location, 'utf8'), description: location };
  } catch (error) {
    throw new CliError(`--metadata: cannot read ${location}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export interface IdpCredentials {
  username: string;
  password: string;
  otp: string | undefined;
  /** Whether a terminal is available to ask for a one-time code the IdP demands. */
  interactive: boolean;
}

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function callApi(url: string, init: RequestInit): Promise<ApiAnswer> {
  const response = await fetchWithTimeout(url, { ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The password goes to this URL: https, or plain http only to this machine. */
export function checkIdpUrl(base: string): void {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new CliError(`--from-idp ${JSON.stringify(base)} is not a URL (e.g. https://sso.example.com)`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.')))) return;
  throw new CliError(`--from-idp ${base}: the password would travel unencrypted; use https:// (plain http is only allowed to localhost)`);
}

const messageOf = (answer: ApiAnswer) => String(answer.body.message ?? answer.body.error ?? `HTTP ${answer.status}`);

/**
 * Asks a running Sesame for a fresh AWS response for a user, through its JSON API (the same one
 * `sesame-aws` uses): sign in (password, and a one-time code when the account has a second factor),
 * request the response for one role or all, then revoke the short-lived token. The sign-in is
 * throttled and audited by the IdP like any other.
 */
export async function responseFromIdp(idpUrl: string, credentials: IdpCredentials, roleArn: string | undefined): Promise<ResponseSource> {
  const base = idpUrl.replace(/\/+$/, '');
  checkIdpUrl(base);
  let otp = credentials.otp;
  let session = await callApi(`${base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ username: credentials.username, password: credentials.password, ...(otp ? { otp } : {}) }) });
  if (session.status === 401 && session.body.error === 'otp_required' && otp === undefined) {
    if (!credentials.interactive) throw new CliError(`${base} needs a one-time code for ${credentials.username}: pass --otp CODE`, 1);
    otp = await promptHidden('One-time code: ');
    session = await callApi(`${base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ username: credentials.username, password: credentials.password, otp }) });
  }
  if (session.status === 404) throw new CliError(`${base} has no JSON API (/api/v1/session answered 404): is it a Sesame IdP, and recent enough?`, 1);
  if (session.status !== 200 || typeof session.body.token !== 'string') throw new CliError(`${base} refused the sign-in of ${credentials.username}: ${messageOf(session)}`, 1);
  const authorization = { authorization: `Bearer ${session.body.token}` };
  try {
    const issued = await callApi(`${base}/api/v1/aws/saml-response`, { method: 'POST', headers: authorization, body: JSON.stringify(roleArn ? { roleArn } : {}) });
    if (issued.status !== 200 || typeof issued.body.samlResponse !== 'string') {
      throw new CliError(`${base} issued no SAML response for ${credentials.username}${roleArn ? ` and role ${roleArn}` : ''}: ${messageOf(issued)}`, 1);
    }
    return { samlResponse: issued.body.samlResponse, description: `${base} for user ${credentials.username}${roleArn ? `, role ${roleArn}` : ''}` };
  } finally {
    await callApi(`${base}/api/v1/session`, { method: 'DELETE', headers: authorization }).catch(() => undefined);
  }
}
