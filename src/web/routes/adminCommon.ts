import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../httpError';
import { AdminInputError, AdminService, type ApiTokenRevoker } from '../../admin/adminService';
import { AccountInputError } from '../../auth/accountRules';
import { MfaInputError } from '../../auth/mfaService';
import { AwsRuleError } from '../../aws/awsRuleError';
import { KeyRingError } from '../../saml/keys/signingKeyRing';
import { StoreConflictError, type Store } from '../../store/store';
import { SpRegistryError, SpSettingError } from '../../sp/spRegistry';
import { SpMetadataError } from '../../saml/spMetadata';
import type { AdminConsoleServices } from './adminConsoleServices';

export interface AdminDeps {
  store: Store;
  adminConsole: AdminConsoleServices;
  /** Revoked with the sessions when an admin changes a password or second factor, or disables a user. */
  apiTokens?: ApiTokenRevoker;
}

/**
 * Admin pages are for users with the admin flag only. Anonymous visitors go to the sign-in page;
 * a signed-in non-admin gets a 403 (and an audit line), never a hint of what the page holds.
 */
export function requireAdmin(store: Store) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!req.user) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    if (req.user.isAdmin) return next();
    await store.appendAudit({ event: 'admin.denied', actor: req.user.username, subject: req.user.username, clientIp: req.ip ?? null, details: { method: req.method, path: req.path } });
    next(new HttpError(403, 'Administrators only', 'This page is for Sesame administrators. If you need a change, ask one of them.'));
  };
}

/** The AdminService acting for the signed-in admin: every change is audited with their name and address. */
export function adminFor(req: Request, deps: AdminDeps): AdminService {
  const { mfa, directory, consoleStore, keyRing } = deps.adminConsole;
  return new AdminService(deps.store, req.user!.username, {
    mfa,
    directory,
    console: consoleStore,
    keyRing,
    apiTokens: deps.apiTokens,
    clientIp: req.ip ?? null,
    actingSessionId: req.sessionID,
  });
}

/** Errors that mean "the admin's input cannot be applied": shown on the page with a 400 (409 for conflicts). */
export function inputErrorStatus(error: unknown): number | null {
  if (error instanceof StoreConflictError || error instanceof KeyRingError) return 409;
  if (error instanceof AdminInputError || error instanceof AccountInputError || error instanceof AwsRuleError || error instanceof MfaInputError) return 400;
  if (error instanceof SpRegistryError || error instanceof SpSettingError || error instanceof SpMetadataError) return 400;
  return null;
}

export function inputErrorMessage(error: unknown): string {
  if (error instanceof AwsRuleError) return `${error.rule}: ${error.message}`;
  return (error as Error).message;
}

export const field = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

export const queryValue = (req: Request, name: string): string => {
  const value = req.query[name];
  return typeof value === 'string' ? value : '';
};

export function flash(req: Request, text: string): void {
  req.session.flash = { kind: 'notice', text };
}

export function takeFlash(req: Request): string | undefined {
  const message = req.session.flash;
  delete req.session.flash;
  return message?.text;
}

/**
 * Runs one admin change: on success, flash + 303 to `back` (post/redirect/get); on bad input, the
 * section page again with the error and a 4xx; anything else goes to the error handler (500).
 */
export async function adminAction(
  req: Request,
  res: Response,
  change: () => Promise<string>,
  /** Where to go after success; a function when it depends on what the change created. */
  back: string | (() => string),
  showWithError: (status: number, error: string) => Promise<void>,
): Promise<void> {
  let message: string;
  try {
    message = await change();
  } catch (error) {
    const status = inputErrorStatus(error);
    if (status === null) throw error;
    return showWithError(status, inputErrorMessage(error));
  }
  flash(req, message);
  res.redirect(303, typeof back === 'function' ? back() : back);
}
