/**
 * Signs raw Query requests with @smithy/signature-v4 — the SigV4 implementation inside the AWS SDK for
 * JavaScript, written by AWS — so the emulator's verifier is judged by a signer nobody here wrote.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: string | Uint8Array): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedCall {
  status: number;
  body: string;
  headers: Headers;
}

export interface SignOptions {
  service?: 'sts' | 'iam';
  region?: string;
  method?: 'POST' | 'GET';
  signingDate?: Date;
  /** Presign the query string (GET) instead of an Authorization header. */
  presign?: boolean;
  /** Change the body after signing. */
  tamperBody?: (body: string) => string;
}

/** Sends Query `params` to `url`, SigV4-signed with `credentials` (unsigned when credentials is null). */
export async function queryCall(url: string, params: Record<string, string>, credentials: Credentials | null, options: SignOptions = {}): Promise<SignedCall> {
  const target = new URL(url);
  const method = options.method ?? (options.presign ? 'GET' : 'POST');
  const form = new URLSearchParams(params).toString().replace(/\+/g, '%20');
  const request = {
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: '/',
    query: method === 'GET' ? Object.fromEntries(Object.entries(params)) : {},
    headers: { host: target.host, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}) } as Record<string, string>,
    body: method === 'POST' ? form : undefined,
  };
  let signed = request;
  if (credentials !== null) {
    const signer = new SignatureV4({ service: options.service ?? 'sts', region: options.region ?? 'us-east-1', credentials, sha256: NodeSha256 as unknown as ConstructorParameters<typeof SignatureV4>[0]['sha256'] });
    signed = (options.presign ? await signer.presign(request, { signingDate: options.signingDate, expiresIn: 300 }) : await signer.sign(request, { signingDate: options.signingDate })) as typeof request;
  }
  const query = new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, '%20');
  const body = signed.body === undefined ? undefined : options.tamperBody ? options.tamperBody(signed.body) : signed.body;
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  const response = await fetch(`${target.origin}/${query ? `?${query}` : ''}`, { method, headers, body });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** The text of one element of a Query XML answer. */
export function xmlField(xml: string, name: string): string | null {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : null;
}
