import { randomUUID } from 'node:crypto';
import { xmlText } from '../saml/xmlText';

/** The two Query APIs the emulator speaks (rules Q1, S6). */
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_VERSION = '2011-06-15';
export const IAM_VERSION = '2010-05-08';

/** An AWS Query API error: wire code, HTTP status, message (rules P3, Q1). */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  /**
   * @param rule   the rule of aws-saml-rules.md behind a refusal, for the emulator's log and its x-sesame-rule header
   * @param detail the finding in plain words, for the log only: the AWS-shaped answer carries AWS's own message
   */
  constructor(readonly code: string, readonly httpStatus: number, message: string, readonly rule: string | null = null, readonly detail: string | null = null) {
    super(message);
  }
}

/** A nested element tree for a Query response: strings are text, arrays are `member` lists, null omits. */
export type XmlValue = string | number | null | undefined | XmlValue[] | { [name: string]: XmlValue };

function render(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => render('member', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join('')}</${name}>`;
  return `<${name}>${xmlText(String(value))}</${name}>`;
}

/** `<ActionResponse xmlns=…><ActionResult>…</ActionResult><ResponseMetadata><RequestId/></…></ActionResponse>`. */
export function queryResponse(namespace: string, action: string, result: { [name: string]: XmlValue } | null, requestId: string): string {
  const body = result === null ? '' : render(`${action}Result`, result);
  return `<${action}Response xmlns="${namespace}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

/** AWS's ErrorResponse document (Q1): Sender faults for 4xx, Receiver for 5xx. */
export function errorResponse(namespace: string, error: QueryError, requestId: string): string {
  const type = error.httpStatus >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${xmlText(error.code)}</Code>` +
    `<Message>${xmlText(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`
  );
}

export function newRequestId(): string {
  return randomUUID();
}

/** ISO 8601 without milliseconds, as AWS writes timestamps (P2: 2019-11-01T20:26:47Z). */
export function awsTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Query parameters: each name at most once (a repeated name is ambiguous, security-notes §2.5). */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(sources: URLSearchParams[]) {
    for (const source of sources) {
      for (const [name, value] of source) {
        if (this.values.has(name)) throw new QueryError('ValidationError', 400, `Parameter ${name} is given more than once.`);
        this.values.set(name, value);
      }
    }
  }

  get(name: string): string | null {
    return this.values.get(name) ?? null;
  }

  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw new QueryError('MissingParameter', 400, `The request must contain the parameter ${name}.`);
    return value;
  }

  /** `Prefix.member.N.Field` lists (Tags, PolicyArns), in N order. */
  list(prefix: string, field: string): string[] {
    const out: Array<[number, string]> = [];
    const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)\\.${field}$`);
    for (const [name, value] of this.values) {
      const match = pattern.exec(name);
      if (match) out.push([Number(match[1]), value]);
    }
    return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
}
