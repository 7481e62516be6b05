import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authnContextFor } from '../../auth/authnContext';
import { expectRoot, readAuthnRequest, readIssuer } from '../../saml/authnRequest';
import { STATUS_NO_PASSIVE, STATUS_REQUESTER, STATUS_RESPONDER, STATUS_UNSUPPORTED_BINDING } from '../../saml/buildResponse';
import { SamlIntakeError } from '../../saml/intake/samlIntakeError';
import { refusalAuditFor } from '../refusalAudit';
import type { SamlStateStore } from '../../store/samlStateStore';
import type { SpRegistryStore } from '../../store/spRegistryStore';
import type { Store } from '../../store/store';
import type { OutgoingSaml } from '../bindings/samlPost';
import { BINDING_HTTP_POST, type ServiceProvider } from '../serviceProvider';
import type { ResponseIssuer } from './issueResponse';
import type { SamlIdpSettings } from './samlSettings';
import { SamlReplyError, type IdpSession, type IncomingSaml, type SsoTransaction } from './ssoTypes';
import { checkAuthnContext } from './steps/checkAuthnContext';
import { checkDestination } from './steps/checkDestination';
import { checkFreshness } from './steps/checkFreshness';
import { checkMessageSignature } from './steps/checkMessageSignature';
import { checkNameIdPolicy } from './steps/checkNameIdPolicy';
import { checkRelayState } from './steps/checkRelayState';
import { checkReplay } from './steps/checkReplay';
import { checkServiceProvider } from './steps/checkServiceProvider';
import { checkSpAccess } from './steps/checkSpAccess';
import { checkSecondFactor } from './steps/checkSecondFactor';
import type { SecondFactorCheck } from '../../auth/secondFactor';
import { receiveMessage } from './steps/receiveMessage';
import { selectAcs } from './steps/selectAcs';

const TX_KIND = 'sso';

/** What the web layer does next. */
export type SsoOutcome =
  /** Continue at `url`; the browser gets `browserNonce` in the transaction's cookie (sso/browserBinding). */
  | { kind: 'resume'; url: string; txKey: string; browserNonce: string }
  | { kind: 'login'; url: string }
  /** The browser that resumes is not the one that started: ask the signed-in user before anything is issued. */
  | { kind: 'confirm'; txKey: string; spName: string; spEntityId: string }
  | { kind: 'saml'; message: OutgoingSaml; spName: string };

/** What the resuming browser showed: the transaction cookie's value, and whether it confirmed on the CSRF-protected page. */
export interface ResumingBrowser {
  nonce: string | null;
  confirmed: boolean;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Whether `nonce` is the one handed to the browser that started the transaction (only its SHA-256 is stored). */
function isStartingBrowser(tx: SsoTransaction, nonce: string | null): boolean {
  if (nonce === null || !tx.browserBinding) return false;
  const expected = Buffer.from(tx.browserBinding, 'base64url');
  const given = sha256(nonce);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * SP-initiated (and portal-launched) SSO for any registered SP, as a visible pipeline:
 *
 *   receive:  receiveMessage → checkServiceProvider → checkMessageSignature → readAuthnRequest →
 *             checkDestination → checkFreshness → selectAcs → checkReplay → checkRelayState →
 *             (ProtocolBinding) → checkNameIdPolicy → start a transaction
 *   resume:   requireLogin (IsPassive, ForceAuthn) → checkAuthnContext → checkSecondFactor → checkSpAccess → issue
 *
 * Until the ACS is known to be registered, every failure is a SamlIntakeError: an error page and
 * an audit line, never a redirect. After it, failures the SP should hear about are SamlReplyErrors,
 * answered with a signed error Response at that registered ACS. A cross-site POST only starts a
 * transaction (no session is read or changed); the browser then continues with a same-site GET.
 */
export class SpSso {
  constructor(
    private readonly store: Store,
    private readonly sps: SpRegistryStore,
    private readonly state: SamlStateStore,
    private readonly issuer: ResponseIssuer,
    private readonly settings: SamlIdpSettings,
    /** Who must have given a second factor (MfaService); without it, only the session's own flag counts. */
    private readonly secondFactor?: SecondFactorCheck,
  ) {}

  private get clock() {
    return { maxAgeSeconds: this.settings.maxRequestAgeSeconds, skewSeconds: this.settings.clockSkewSeconds };
  }

  private async refused(error: unknown, clientIp: string, details: Record<string, unknown>): Promise<never> {
    if (error instanceof SamlIntakeError) {
      // Unauthenticated: attacker text is cut short and repeats are counted, not written (refusalAudit.ts).
      await refusalAuditFor(this.store).record({
        event: 'saml.request.refused',
        actor: 'anonymous',
        subject: typeof details.sp === 'string' ? details.sp : null,
        clientIp,
        rule: error.rule,
        details: { ...details, reason: error.message },
      });
    }
    throw error;
  }

  /** Receives an AuthnRequest (Redirect or POST) and starts a login transaction, or answers the SP with an error. */
  async receive(incoming: IncomingSaml, clientIp: string): Promise<SsoOutcome> {
    const context: Record<string, unknown> = { binding: incoming.binding, endpoint: 'sso' };
    try {
      const message = receiveMessage(incoming, ['SAMLRequest']);
      const claimedIssuer = readIssuer(expectRoot(message.doc, 'AuthnRequest'));
      context.sp = claimedIssuer;
      const sp = await checkServiceProvider(this.sps, claimedIssuer);
      refuseConfigManaged(sp);
      const required = sp.authnRequestsSigned || sp.settings.requireSignedRequests || this.settings.requireSignedRequests;
      const checked = checkMessageSignature(message, sp, required);
      const request = readAuthnRequest(checked.root);
      if (request.issuer !== sp.entityId) throw new SamlIntakeError('request.issuer', 'The signed Issuer differs from the one the message claimed.', 403);
      context.requestId = request.id;
      checkDestination(request.destination, this.settings.ssoUrl, checked.signed);
      checkFreshness(request.issueInstant, new Date(), this.clock);
      const acsUrl = selectAcs(sp, request);
      await checkReplay(this.state, sp.entityId, request.id, request.issueInstant, this.clock);
      const relayState = checkRelayState(message.params.RelayState?.value, this.settings.relayStateMaxBytes);
      try {
        if (request.protocolBinding !== null && request.protocolBinding !== BINDING_HTTP_POST) {
          // Fixed text: request values are never echoed into a signed reply.
          throw new SamlReplyError('request.binding', { code: STATUS_REQUESTER, subCode: STATUS_UNSUPPORTED_BINDING, message: 'Responses are only delivered with the HTTP-POST binding.' });
        }
        const nameId = checkNameIdPolicy(sp, request.nameIdPolicy);
        // Bound to this browser: only the one holding the nonce (a cookie) resumes without being asked.
        const browserNonce = randomBytes(32).toString('base64url');
        const transaction: SsoTransaction = {
          spEntityId: sp.entityId,
          requestId: request.id,
          acsUrl,
          requestedAcs: { acsUrl: request.acsUrl, acsIndex: request.acsIndex },
          browserBinding: sha256(browserNonce).toString('base64url'),
          relayState,
          forceAuthn: request.forceAuthn,
          isPassive: request.isPassive,
          nameId,
          requestedAuthnContext: request.requestedAuthnContext,
          createdAt: Date.now(),
        };
        const key = randomBytes(24).toString('base64url');
        await this.state.putTransaction(key, TX_KIND, JSON.stringify(transaction), Date.now() + this.settings.transactionSeconds * 1000);
        await this.store.appendAudit({
          event: 'saml.request.accepted',
          actor: 'anonymous',
          subject: sp.entityId,
          clientIp,
          details: { sp: sp.entityId, requestId: request.id, binding: incoming.binding, signed: checked.signed, acs: acsUrl, forceAuthn: request.forceAuthn, isPassive: request.isPassive },
        });
        return { kind: 'resume', url: `/saml/sso/resume?tx=${key}`, txKey: key, browserNonce };
      } catch (error) {
        if (error instanceof SamlReplyError) {
          const message = await this.issuer.reply(sp, acsUrl, request.id, relayState, error.status, error.rule, 'anonymous', clientIp);
          return { kind: 'saml', message, spName: sp.settings.displayName };
        }
        throw error;
      }
    } catch (error) {
      return this.refused(error, clientIp, context);
    }
  }

  /**
   * Continues a login transaction in the browser's own session: sign-in, ForceAuthn, IsPassive, the
   * ACS chosen again from the registry as it is now, then the assertion. A browser without the
   * transaction's cookie (someone else's link to /saml/sso/resume) is asked to confirm first, on a
   * CSRF-protected form, so a request started elsewhere cannot have an assertion issued silently.
   */
  async resume(key: string, session: IdpSession | null, clientIp: string, browser: ResumingBrowser = { nonce: null, confirmed: false }): Promise<SsoOutcome> {
    const raw = /^[A-Za-z0-9_-]{32}$/.test(key) ? await this.state.getTransaction(key, TX_KIND, Date.now()) : null;
    if (raw === null) {
      return this.refused(
        new SamlIntakeError('transaction.unknown', 'This sign-in request has expired or was already used. Go back to the application and sign in from there again.', 400),
        clientIp,
        { endpoint: 'sso/resume' },
      );
    }
    const tx = JSON.parse(raw) as SsoTransaction;
    const sp = await this.sps.findServiceProviderByEntityId(tx.spEntityId);
    if (!sp) {
      await this.state.takeTransaction(key, TX_KIND);
      return this.refused(new SamlIntakeError('request.issuer', `The service provider "${tx.spEntityId}" is no longer registered.`, 403), clientIp, { sp: tx.spEntityId });
    }
    // The registry may have changed since the request arrived (new metadata, an ACS removed).
    let acsUrl: string;
    try {
      acsUrl = selectAcs(sp, tx.requestedAcs ?? { acsUrl: tx.acsUrl, acsIndex: null });
    } catch (error) {
      await this.state.takeTransaction(key, TX_KIND);
      return this.refused(error, clientIp, { endpoint: 'sso/resume', sp: sp.entityId });
    }
    const resumeUrl = `/saml/sso/resume?tx=${key}`;
    const needsLogin = session === null || (tx.forceAuthn && session.authnInstant.getTime() < tx.createdAt);
    if (needsLogin) {
      if (tx.isPassive) {
        await this.state.takeTransaction(key, TX_KIND);
        const status = { code: STATUS_RESPONDER, subCode: STATUS_NO_PASSIVE, message: 'The user is not signed in, and the request did not allow asking them (IsPassive).' };
        return { kind: 'saml', spName: sp.settings.displayName, message: await this.issuer.reply(sp, acsUrl, tx.requestId, tx.relayState, status, 'request.passive', session?.user.username ?? 'anonymous', clientIp) };
      }
      const reauth = session !== null ? '&reauth=1' : '';
      return { kind: 'login', url: `/login?next=${encodeURIComponent(resumeUrl)}${reauth}` };
    }
    if (!browser.confirmed && !isStartingBrowser(tx, browser.nonce)) {
      return { kind: 'confirm', txKey: key, spName: sp.settings.displayName, spEntityId: sp.entityId };
    }
    // Consumed before anything is issued: with several workers, exactly one of them wins.
    if (!(await this.state.takeTransaction(key, TX_KIND))) {
      return this.refused(new SamlIntakeError('transaction.unknown', 'This sign-in request was already used.', 400), clientIp, { sp: sp.entityId });
    }
    return this.issueFor(sp, acsUrl, tx.requestId, tx.relayState, tx.nameId, tx.requestedAuthnContext, session, clientIp);
  }

  /** IdP-initiated launch of a registered SP from the portal: an unsolicited response to its default ACS. */
  async launch(spId: number, session: IdpSession, clientIp: string): Promise<SsoOutcome> {
    const sp = await this.sps.findServiceProviderById(spId);
    let acsUrl: string;
    try {
      if (!sp) throw new SamlIntakeError('request.issuer', 'There is no such application.', 404);
      refuseConfigManaged(sp);
      acsUrl = selectAcs(sp, { acsUrl: null, acsIndex: null });
    } catch (error) {
      return this.refused(error, clientIp, { endpoint: 'launch', sp: sp?.entityId ?? null });
    }
    return this.issueFor(sp, acsUrl, null, sp.settings.launchRelayState, sp.settings.nameId, null, session, clientIp);
  }

  private async issueFor(
    sp: ServiceProvider,
    acsUrl: string,
    requestId: string | null,
    relayState: string | null,
    nameId: SsoTransaction['nameId'],
    requested: SsoTransaction['requestedAuthnContext'],
    session: IdpSession,
    clientIp: string,
  ): Promise<SsoOutcome> {
    try {
      checkAuthnContext(requested, authnContextFor({ overTls: this.settings.overTls, secondFactor: session.secondFactor }));
      await checkSecondFactor(this.secondFactor, session);
      checkSpAccess(sp, (await this.store.listGroupsOfUser(session.user.id)).map((g) => g.name));
      const message = await this.issuer.issue({ sp, acsUrl, inResponseTo: requestId, relayState, nameId, session, clientIp });
      return { kind: 'saml', message, spName: sp.settings.displayName };
    } catch (error) {
      if (error instanceof SamlReplyError) {
        const message = await this.issuer.reply(sp, acsUrl, requestId, relayState, error.status, error.rule, session.user.username, clientIp);
        return { kind: 'saml', message, spName: sp.settings.displayName };
      }
      throw error;
    }
  }

  /** The registered SPs this user may launch from the portal (AWS consoles are reached through their roles instead). */
  async launchable(userGroups: string[]): Promise<ServiceProvider[]> {
    const mine = new Set(userGroups.map((g) => g.toLowerCase()));
    return (await this.sps.listServiceProviders()).filter(
      (sp) => sp.source === 'metadata' && (sp.settings.allowedGroups.length === 0 || sp.settings.allowedGroups.some((g) => mine.has(g.toLowerCase()))),
    );
  }
}

/**
 * The AWS console entries are reached through their roles (/aws/sso picks roles, partition and the
 * 100,000-character cap); AWS never sends AuthnRequests (E9), so one claiming to come from it is forged.
 */
function refuseConfigManaged(sp: ServiceProvider): void {
  if (sp.source === 'config') {
    throw new SamlIntakeError('request.issuer', `"${sp.entityId}" (${sp.settings.displayName}) signs in from the Sesame portal only; it never sends sign-in requests (E9).`, 403);
  }
}
