import type { NextFunction, Request, Response } from 'express';

/**
 * Headers on every response: a strict content security policy (our pages need only our own CSS and
 * script; SAML POST pages widen form-action to the one destination they post to), no framing
 * (clickjacking of the sign-in form), no referrer (URLs may carry relay state), no caching of
 * pages that carry sessions or assertions.
 */
export function securityHeaders(hsts: boolean) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** Lets one SAML auto-post page submit its form to the SP's origin. */
export function allowFormActionTo(res: Response, url: string): void {
  const origin = new URL(url).origin;
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action ${origin}; frame-ancestors 'none'; base-uri 'none'`,
  );
}
