import { SesameAwsError } from './sesameAwsError';

/** A role as GET /api/v1/aws/roles describes it. */
export interface GrantedRole {
  roleArn: string;
  providerArn: string;
  partition: string;
  accountId: string;
  roleName: string;
  label: string | null;
  sessionDuration: number | null;
}

export interface IdpSession {
  token: string;
  expiresAt: string;
  username: string;
}

export interface IssuedSamlResponse {
  samlResponse: string;
  destination: string;
  roles: string[];
  assertionId: string;
  expiresAt: string;
}

/** An error answer of the Sesame API: the stable code and the server's own words. */
export class IdpApiError extends SesameAwsError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
    this.name = 'IdpApiError';
  }
}

const TIMEOUT_MS = 30_000;

/**
 * The client side of Sesame's JSON API (src/web/routes/apiRoutes.ts). Every call has a timeout, so
 * an unreachable IdP is an error, never a hang. The password is sent once, to create a bearer token;
 * the token is revoked as soon as the assertion is in hand.
 */
export class IdpClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : cause?.code ?? cause?.message ?? (error as Error).message;
      throw new SesameAwsError('idp_unreachable', `could not reach Sesame at ${this.baseUrl}: ${reason}`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new SesameAwsError('idp_bad_answer', `${this.baseUrl}${path} answered HTTP ${response.status} without JSON: is --idp the address of a Sesame IdP?`);
    }
    if (!response.ok) {
      const retry = typeof json.retryAfterSeconds === 'number' ? json.retryAfterSeconds : undefined;
      throw new IdpApiError(response.status, typeof json.error === 'string' ? json.error : `http_${response.status}`, typeof json.message === 'string' ? json.message : `HTTP ${response.status}`, retry);
    }
    return json as T;
  }

  createSession(username: string, password: string, otp?: string): Promise<IdpSession> {
    return this.call('POST', '/api/v1/session', otp === undefined ? { username, password } : { username, password, otp });
  }

  async listRoles(token: string): Promise<GrantedRole[]> {
    return (await this.call<{ roles: GrantedRole[] }>('GET', '/api/v1/aws/roles', undefined, token)).roles;
  }

  samlResponse(token: string, roleArn: string): Promise<IssuedSamlResponse> {
    return this.call('POST', '/api/v1/aws/saml-response', { roleArn }, token);
  }

  /** Best effort: the token expires by itself within minutes anyway. */
  async revoke(token: string): Promise<void> {
    try {
      await this.call('DELETE', '/api/v1/session', undefined, token);
    } catch {
      // ignored on purpose
    }
  }
}
