import type { NextFunction, Request, Response } from 'express';
import { buildSoapFault } from '../saml/ecpResponse';
import { HttpError } from './httpError';

export interface RateLimit {
  /** Tokens added per second (sustained requests per second); 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: requests one address may make at once. */
  burst: number;
}

/** Most addresses tracked at once; beyond it, full (idle) buckets are dropped first. */
const MAX_TRACKED = 50_000;

/**
 * A token bucket per client address, in memory. Each worker process keeps its own buckets, so with
 * N workers an address may get up to N times the rate; that is the price of sharing nothing, and
 * still bounds what one address can make Sesame parse and audit.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, otherwise the seconds until one is available. */
  take(key: string): number {
    if (this.limit.perSecond <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.sweep(now);
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(key);
    }
    // Everyone is busy: forget the oldest half rather than grow without bound.
    if (this.buckets.size >= MAX_TRACKED) {
      let drop = this.buckets.size / 2;
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}

/** The endpoints anyone can send SAML to without signing in: SSO (and its resume step), SLO, ECP. */
const LIMITED = /^\/saml\/(?:sso|slo|ecp)(?:\/|$)/i;

/**
 * Per-address rate limit on the unauthenticated SAML endpoints, mounted before the session, the body
 * parsers and the ECP route, so a refused request costs neither a session lookup, a parse nor an
 * audit row. Over the limit: 429 with Retry-After, a page (or a SOAP fault on /saml/ecp) that says
 * to wait.
 */
export function samlRateLimit(limit: RateLimit, now?: () => number) {
  const buckets = new TokenBuckets(limit, now);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!LIMITED.test(req.path)) return next();
    const wait = buckets.take(req.ip ?? 'unknown');
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    if (/^\/saml\/ecp/i.test(req.path)) {
      res.status(429).type('text/xml; charset=utf-8').send(buildSoapFault('Client', `saml.rate: too many requests from your address; wait ${wait} s and try again`));
      return;
    }
    next(new HttpError(429, 'Too many requests', `Your address sent more SAML requests than Sesame accepts in a short time. Wait ${wait} second(s), then go back to the application and try again. Nothing was issued.`, 'saml.rate'));
  };
}
