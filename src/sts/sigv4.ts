import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An incoming HTTP request, as SigV4 needs it: raw path and query, raw header pairs, body bytes. */
export interface SignableRequest {
  method: string;
  /** Path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Query string as received, without "?". */
  rawQuery: string;
  /** Node's `req.rawHeaders`: [name, value, name, value, …]. */
  rawHeaders: string[];
  body: Buffer;
}

/** The secret behind an access key, and the session token it must travel with (temporary keys). */
export interface KnownKey {
  secretAccessKey: string;
  sessionToken: string | null;
}

export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
  /** When the request says it was signed. */
  signedAt: Date;
}

/** A refused signature, with the AWS error code and status clients expect (common errors of every AWS Query API). */
export class SigV4Error extends Error {
  override readonly name = 'SigV4Error';
  constructor(readonly code: string, readonly httpStatus: number, message: string) {
    super(message);
  }
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses requests signed more than 15 minutes away from its clock. */
export const MAX_SIGNATURE_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A–Z a–z 0–9 - _ . ~ percent-encoded, upper-case hex. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SigV4Error('IncompleteSignature', 400, 'The request has a malformed percent-encoding.');
  }
}

/** Canonical query string: each name and value decoded then re-encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string, omit: string | null = null): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      return [uriEncode(decodeComponent(name)), uriEncode(decodeComponent(value))] as const;
    })
    .filter(([name]) => name !== omit);
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * Canonical URI for every service but S3: dot segments removed, each segment URI-encoded once more
 * than it travelled (SigV4 "double encoding"). The emulator is served at "/", where both are no-ops.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/').slice(1)) {
    if (segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return '/' + segments.map((s) => uriEncode(s)).join('/');
}

function headerMap(rawHeaders: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    map.set(name, [...(map.get(name) ?? []), rawHeaders[i + 1]!]);
  }
  return map;
}

function parseAmzDate(value: string): Date | null {
  const m = AMZ_DATE.exec(value);
  if (!m) return null;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? null : date;
}

const amzDateOf = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

interface Claimed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  securityToken: string | null;
  presigned: boolean;
  expiresSeconds: number | null;
}

function claimedFromHeader(authorization: string, headers: Map<string, string[]>): Claimed {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw new SigV4Error('IncompleteSignature', 400, `Unsupported Authorization Type: only ${ALGORITHM} is accepted.`);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const required of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.has(required)) throw new SigV4Error('IncompleteSignature', 400, `Authorization header requires '${required}' parameter.`);
  }
  const amzDate = headers.get('x-amz-date')?.[0];
  if (amzDate === undefined) throw new SigV4Error('IncompleteSignature', 400, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  return {
    ...splitCredential(fields.get('Credential')!),
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate,
    securityToken: headers.get('x-amz-security-token')?.[0] ?? null,
    presigned: false,
    expiresSeconds: null,
  };
}

function claimedFromQuery(query: URLSearchParams): Claimed {
  for (const required of ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date']) {
    if (!query.has(required)) throw new SigV4Error('IncompleteSignature', 400, `AWS query-string parameters must include '${required}'.`);
  }
  const expires = query.get('X-Amz-Expires');
  return {
    ...splitCredential(query.get('X-Amz-Credential')!),
    signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
    signature: query.get('X-Amz-Signature')!,
    amzDate: query.get('X-Amz-Date')!,
    securityToken: query.get('X-Amz-Security-Token'),
    presigned: true,
    expiresSeconds: expires === null ? null : Number(expires),
  };
}

function splitCredential(credential: string): Pick<Claimed, 'accessKeyId' | 'date' | 'region' | 'service'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!)) {
    throw new SigV4Error('IncompleteSignature', 400, `Credential should be scoped to a valid region and service: "${credential}" is not AKID/yyyymmdd/region/service/aws4_request.`);
  }
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** Whether the request carries any SigV4 material at all. */
export function isSigned(request: SignableRequest): boolean {
  const headers = headerMap(request.rawHeaders);
  return headers.has('authorization') || new URLSearchParams(request.rawQuery).has('X-Amz-Signature');
}

/**
 * Verifies an AWS Signature Version 4 request (header or presigned query form) as AWS does: scope,
 * key lookup, the HMAC chain over the canonical request, the session token bound to a temporary
 * key, and a 15-minute clock window. Implemented with node:crypto; proven against the awscli and
 * @aws-sdk signers. The expiry of the key itself is the caller's business (it knows the key).
 */
export function verifySigV4(request: SignableRequest, expectedService: string, lookup: (accessKeyId: string) => KnownKey | null): SigV4Identity {
  const headers = headerMap(request.rawHeaders);
  const authorization = headers.get('authorization');
  const query = new URLSearchParams(request.rawQuery);
  let claimed: Claimed;
  if (authorization !== undefined) {
    if (authorization.length !== 1) throw new SigV4Error('IncompleteSignature', 400, 'The request has more than one Authorization header.');
    claimed = claimedFromHeader(authorization[0]!, headers);
  } else if (query.has('X-Amz-Signature')) {
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw new SigV4Error('IncompleteSignature', 400, `X-Amz-Algorithm must be ${ALGORITHM}.`);
    claimed = claimedFromQuery(query);
  } else {
    throw new SigV4Error('MissingAuthenticationToken', 403, 'Request must contain either a valid (registered) AWS access key ID or X.509 certificate.');
  }
  if (claimed.service !== expectedService) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, `Credential should be scoped to correct service: '${expectedService}'.`);
  }
  const signedAt = parseAmzDate(claimed.amzDate);
  if (signedAt === null || !claimed.amzDate.startsWith(claimed.date)) {
    throw new SigV4Error('IncompleteSignature', 400, `Date ${JSON.stringify(claimed.amzDate)} must be yyyyMMddTHHmmssZ and match the credential scope date ${claimed.date}.`);
  }
  if (!claimed.signedHeaders.includes('host') || claimed.signedHeaders.some((h) => h !== h.toLowerCase())) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, "'Host' must be a signed header and SignedHeaders must be lower-case.");
  }
  const key = lookup(claimed.accessKeyId);
  if (key === null) throw new SigV4Error('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');

  const canonicalHeaders = [...claimed.signedHeaders]
    .sort()
    .map((name) => {
      const values = headers.get(name);
      if (values === undefined) throw new SigV4Error('SignatureDoesNotMatch', 403, `Signed header ${name} is missing from the request.`);
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
    })
    .join('');
  const bodyHash = sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256')?.[0];
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQuery, claimed.presigned ? 'X-Amz-Signature' : null),
    canonicalHeaders,
    [...claimed.signedHeaders].sort().join(';'),
    bodyHash,
  ].join('\n');
  const scope = `${claimed.date}/${claimed.region}/${claimed.service}/aws4_request`;
  const stringToSign = [ALGORITHM, claimed.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, claimed.date), claimed.region), claimed.service), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest();
  const given = /^[0-9a-f]{64}$/.test(claimed.signature) ? Buffer.from(claimed.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
  // A temporary key is only valid with the session token it was issued with; a long-term key with none.
  const token = claimed.securityToken;
  const tokenMatches = key.sessionToken === null ? token === null : token !== null && token.length === key.sessionToken.length && timingSafeEqual(Buffer.from(token), Buffer.from(key.sessionToken));
  if (!tokenMatches) throw new SigV4Error('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
  return { accessKeyId: claimed.accessKeyId, region: claimed.region, service: claimed.service, signedAt };
}

/**
 * The 15-minute window around the signing time (and a presigned URL's X-Amz-Expires). Separate from
 * verifySigV4 so the emulator can report an expired temporary key (ExpiredToken) before a stale
 * signature, which is the more useful answer once the signature itself is proven.
 */
export function checkSignatureTime(request: SignableRequest, identity: SigV4Identity, now: Date): void {
  const skew = now.getTime() - identity.signedAt.getTime();
  const query = new URLSearchParams(request.rawQuery);
  const expires = query.has('X-Amz-Signature') && query.has('X-Amz-Expires') ? Number(query.get('X-Amz-Expires')) * 1000 : null;
  if (expires !== null && (!Number.isFinite(expires) || skew > expires)) {
    throw new SigV4Error('AccessDenied', 403, 'Request has expired');
  }
  if (skew > MAX_SIGNATURE_SKEW_MS) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, `Signature expired: ${amzDateOf(identity.signedAt)} is now earlier than ${amzDateOf(new Date(now.getTime() - MAX_SIGNATURE_SKEW_MS))} (${amzDateOf(now)} - 15 min.)`);
  }
  if (-skew > MAX_SIGNATURE_SKEW_MS) {
    throw new SigV4Error('SignatureDoesNotMatch', 403, `Signature not yet current: ${amzDateOf(identity.signedAt)} is still later than ${amzDateOf(new Date(now.getTime() + MAX_SIGNATURE_SKEW_MS))} (${amzDateOf(now)} + 15 min.)`);
  }
}
