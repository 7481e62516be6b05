import { randomBytes } from 'node:crypto';
import { expectRoot, readIssuer } from '../../saml/authnRequest';
import { STATUS_PARTIAL_LOGOUT, STATUS_SUCCESS, type SamlStatus } from '../../saml/buildResponse';
import { NAMEID_PERSISTENT, NAMEID_UNSPECIFIED } from '../../saml/types';
import { SamlIntakeError } from '../../saml/intake/samlIntakeError';
import { refusalAuditFor } from '../refusalAudit';
import { buildLogoutRequest, readLogoutRequest } from '../../saml/logoutRequest';
import { buildLogoutResponse, readLogoutResponse } from '../../saml/logoutResponse';
import type { EnvelopedSigner } from '../../saml/xmlDsig';
import type { SamlStateStore, SpSessionRecord } from '../../store/samlStateStore';
import type { SpRegistryStore } from '../../store/spRegistryStore';
import type { Store } from '../../store/store';
import { postBinding, redirectBinding, type OutgoingSaml } from '../bindings/samlPost';
import { BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, type ServiceProvider, type SpEndpoint } from '../serviceProvider';
import type { SamlIdpSettings } from '../sso/samlSettings';
import type { IncomingSaml } from '../sso/ssoTypes';
import { checkDestination } from '../sso/steps/checkDestination';
import { checkFreshness, checkNotExpired } from '../sso/steps/checkFreshness';
import { checkMessageSignature } from '../sso/steps/checkMessageSignature';
import { checkRelayState } from '../sso/steps/checkRelayState';
import { checkReplay } from '../sso/steps/checkReplay';
import { checkServiceProvider } from '../sso/steps/checkServiceProvider';
import { receiveMessage, type ReceivedMessage } from '../sso/steps/receiveMessage';

const TX_KIND = 'slo';

interface SloTransaction {
  idpSessionIndexes: string[];
  username: string;
  /** The SP that asked for the logout, answered last; null when the user signed out at Sesame. */
  initiator: { spEntityId: string; requestId: string; relayState: string | null; binding: 'redirect' | 'post' } | null;
  pending: Array<{ spEntityId: string; nameId: string; nameIdFormat: string; idpSessionIndex: string; spSessionIndex?: string }>;
  current: { spEntityId: string; requestId: string } | null;
  loggedOut: string[];
  failed: string[];
  /** SPs that hold a session but publish no SingleLogoutService: they cannot be told. */
  unreachable: string[];
  /**
   * Sessions at other SPs that were not told because the LogoutRequest did not come from the user's
   * browser: the initiator hears PartialLogout, never which SPs they are.
   */
  partial?: boolean;
}

export type SloOutcome =
  | { kind: 'saml'; message: OutgoingSaml }
  | { kind: 'done'; loggedOut: string[]; failed: string[]; unreachable: string[] };

/**
 * Single Logout (SAML profiles 4.4), front channel, HTTP-Redirect and HTTP-POST:
 *
 *   SP-initiated:  receive LogoutRequest → checkServiceProvider → checkMessageSignature → checkDestination →
 *                  checkFreshness/NotOnOrAfter → checkReplay → match (SP, NameID, the SP's own SessionIndex)
 *                  → end the IdP session → propagate, only when the request came through the user's own
 *                  browser session (else PartialLogout, other SPs unnamed) → LogoutResponse
 *   IdP-initiated: the portal's sign-out → propagate → "you are signed out"
 *   propagate:     for each other SP holding a session from this IdP session: a signed LogoutRequest,
 *                  its LogoutResponse checked (sender, signature, InResponseTo) before the next one.
 *
 * The IdP session ends first, whatever the SPs answer: a user who asked to be signed out is, at
 * least here. State lives in the store under a random key carried as RelayState, so it survives
 * cross-site POSTs without cookies and works with several workers.
 */
export class SingleLogout {
  constructor(
    private readonly store: Store,
    private readonly sps: SpRegistryStore,
    private readonly state: SamlStateStore,
    private readonly signer: () => EnvelopedSigner,
    private readonly settings: SamlIdpSettings,
  ) {}

  private get clock() {
    return { maxAgeSeconds: this.settings.maxRequestAgeSeconds, skewSeconds: this.settings.clockSkewSeconds };
  }

  private audit(event: string, actor: string, subject: string | null, clientIp: string, details: Record<string, unknown>) {
    return this.store.appendAudit({ event, actor, subject, clientIp, details });
  }

  /** Starts logout propagation for a user signing out at Sesame; null when no SP holds a session. The caller ends the IdP session. */
  async beginIdpInitiated(idpSessionIndex: string, username: string, clientIp: string): Promise<string | null> {
    const records = await this.state.listSpSessions(idpSessionIndex, Date.now());
    await this.state.removeSpSessions(idpSessionIndex);
    if (records.length === 0) return null;
    const tx: SloTransaction = {
      idpSessionIndexes: [idpSessionIndex],
      username,
      initiator: null,
      pending: records.map(pendingOf),
      current: null,
      loggedOut: [],
      failed: [],
      unreachable: [],
    };
    const key = randomBytes(24).toString('base64url');
    await this.save(key, tx);
    await this.audit('slo.start', username, username, clientIp, { initiator: 'idp', sps: records.map((r) => r.spEntityId) });
    return `/saml/slo/continue?tx=${key}`;
  }

  /**
   * A LogoutRequest from an SP, or a LogoutResponse to one of our propagated requests. `browserSid`
   * is the session id of the browser's own Sesame session cookie, when the request carried one.
   */
  async receive(incoming: IncomingSaml, clientIp: string, browserSid: string | null = null): Promise<SloOutcome> {
    const context: Record<string, unknown> = { binding: incoming.binding, endpoint: 'slo' };
    try {
      const message = receiveMessage(incoming, ['SAMLRequest', 'SAMLResponse']);
      context.message = message.parameter;
      return message.parameter === 'SAMLRequest' ? await this.receiveRequest(message, clientIp, context, browserSid) : await this.receiveResponse(message, clientIp, context);
    } catch (error) {
      if (error instanceof SamlIntakeError) {
        await refusalAuditFor(this.store).record({
          event: 'slo.refused',
          actor: 'anonymous',
          subject: typeof context.sp === 'string' ? context.sp : null,
          clientIp,
          rule: error.rule,
          details: { ...context, reason: error.message },
        });
      }
      throw error;
    }
  }

  private async receiveRequest(message: ReceivedMessage, clientIp: string, context: Record<string, unknown>, browserSid: string | null): Promise<SloOutcome> {
    const claimedIssuer = readIssuer(expectRoot(message.doc, 'LogoutRequest'));
    context.sp = claimedIssuer;
    const sp = await checkServiceProvider(this.sps, claimedIssuer);
    // Logout must be authenticated (SAML profiles 4.4.4.1): by signature when the SP has a key.
    const checked = checkMessageSignature(message, sp, sp.signingCertificates.length > 0);
    const request = readLogoutRequest(checked.root);
    if (request.issuer !== sp.entityId) throw new SamlIntakeError('request.issuer', 'The signed Issuer differs from the one the message claimed.', 403);
    context.requestId = request.id;
    checkDestination(request.destination, this.settings.sloUrl, checked.signed);
    const now = new Date();
    checkFreshness(request.issueInstant, now, this.clock);
    checkNotExpired(request.notOnOrAfter, now, this.settings.clockSkewSeconds);
    if (!checked.signed && request.sessionIndexes.length === 0) {
      // Without a key, only the secret SessionIndex proves the request comes from the session's SP.
      throw new SamlIntakeError('signature.missing', `"${sp.entityId}" has no signing key registered, so its LogoutRequest must at least name the SessionIndex.`, 403);
    }
    await checkReplay(this.state, sp.entityId, request.id, request.issueInstant, this.clock);
    const relayState = checkRelayState(message.params.RelayState?.value, this.settings.relayStateMaxBytes);
    const endpoint = sloEndpoint(sp, message.binding);
    if (!endpoint) throw new SamlIntakeError('sp.slo', `"${sp.entityId}" has no SingleLogoutService in its metadata, so its LogoutResponse has nowhere to go.`, 400);

    // Only a persistent NameID names one user for good; any other (e-mail, username, transient) must
    // come with the SessionIndex this SP was given, and matching is on both.
    const persistent = request.nameId.format === NAMEID_PERSISTENT;
    if (!persistent && request.sessionIndexes.length === 0) {
      throw new SamlIntakeError('request.session-index', 'A LogoutRequest whose NameID is not persistent must name the SessionIndex of the session to end.', 400);
    }
    const formatGiven = request.nameId.format !== NAMEID_UNSPECIFIED;
    const matching = (await this.state.findSpSessionsBySubject(sp.entityId, request.nameId.value, now.getTime())).filter(
      (s) => (request.sessionIndexes.length === 0 || request.sessionIndexes.includes(s.spSessionIndex)) && (!formatGiven || s.nameIdFormat === request.nameId.format),
    );
    const indexes = [...new Set(matching.map((s) => s.idpSessionIndex))];
    const others: SpSessionRecord[] = [];
    const sids = new Set<string>();
    const usernames = new Set<string>();
    for (const index of indexes) {
      const sessions = await this.state.listSpSessions(index, now.getTime());
      for (const s of sessions) if (s.spEntityId !== sp.entityId) others.push(s);
      for (const s of sessions) sids.add(s.sid);
      // The IdP session may have moved to a new session id since (ForceAuthn or step-up re-authentication).
      for (const sid of await this.store.findSessionIdsByIndex(index, now.getTime())) sids.add(sid);
      for (const userId of new Set(sessions.map((s) => s.userId))) {
        const user = await this.store.findUserById(userId);
        if (user) usernames.add(user.username);
      }
    }
    // Front-channel propagation hands each other SP's NameID and SessionIndex to whoever holds this
    // answer, so it only happens when the request came through the user's own browser session.
    const fromBrowser = browserSid !== null && sids.has(browserSid);
    for (const sid of sids) await this.store.destroySession(sid);
    for (const index of indexes) await this.state.removeSpSessions(index);
    // One actor for the row; every user whose session ended is in details.usernames.
    const username = [...usernames][0] ?? 'anonymous';
    await this.audit('slo.request', username, sp.entityId, clientIp, {
      sp: sp.entityId,
      requestId: request.id,
      binding: message.binding,
      signed: checked.signed,
      sessions: indexes.length,
      usernames: [...usernames],
      fromBrowser,
      propagateTo: fromBrowser ? [...new Set(others.map((s) => s.spEntityId))] : [],
      notTold: fromBrowser ? [] : [...new Set(others.map((s) => s.spEntityId))],
    });
    const tx: SloTransaction = {
      idpSessionIndexes: indexes,
      username,
      initiator: { spEntityId: sp.entityId, requestId: request.id, relayState, binding: message.binding },
      pending: fromBrowser ? others.map(pendingOf) : [],
      current: null,
      loggedOut: [],
      failed: [],
      unreachable: [],
      partial: !fromBrowser && others.length > 0,
    };
    return this.next(randomBytes(24).toString('base64url'), tx, clientIp);
  }

  private async receiveResponse(message: ReceivedMessage, clientIp: string, context: Record<string, unknown>): Promise<SloOutcome> {
    const key = message.params.RelayState?.value ?? '';
    const tx = await this.load(key);
    if (!tx || !tx.current) throw new SamlIntakeError('transaction.unknown', 'This logout response belongs to no logout in progress (expired, or already answered).', 400);
    const claimedIssuer = readIssuer(expectRoot(message.doc, 'LogoutResponse'));
    context.sp = claimedIssuer;
    if (claimedIssuer !== tx.current.spEntityId) throw new SamlIntakeError('request.issuer', `The logout response comes from "${claimedIssuer.slice(0, 200)}", not from the service provider that was asked.`, 403);
    const sp = await checkServiceProvider(this.sps, claimedIssuer);
    const checked = checkMessageSignature(message, sp, sp.signingCertificates.length > 0);
    const response = readLogoutResponse(checked.root);
    if (response.issuer !== sp.entityId) throw new SamlIntakeError('request.issuer', 'The signed Issuer differs from the one the message claimed.', 403);
    if (response.inResponseTo !== tx.current.requestId) throw new SamlIntakeError('request.in-response-to', 'The logout response answers another request (InResponseTo does not match).', 403);
    checkDestination(response.destination, this.settings.sloUrl, checked.signed);
    checkFreshness(response.issueInstant, new Date(), this.clock);
    await checkReplay(this.state, sp.entityId, response.id, response.issueInstant, this.clock);
    const ok = response.statusCode === STATUS_SUCCESS;
    (ok ? tx.loggedOut : tx.failed).push(sp.entityId);
    await this.audit('slo.response', tx.username, sp.entityId, clientIp, { sp: sp.entityId, inResponseTo: response.inResponseTo, status: response.subStatusCode ?? response.statusCode, signed: checked.signed });
    tx.current = null;
    return this.next(key, tx, clientIp);
  }

  /** Continues an IdP-initiated logout (GET /saml/slo/continue). */
  async continue(key: string, clientIp: string): Promise<SloOutcome> {
    const tx = await this.load(key);
    if (!tx || tx.current) throw new SamlIntakeError('transaction.unknown', 'This logout has finished or expired. You are signed out of Sesame.', 400);
    return this.next(key, tx, clientIp);
  }

  /** Sends the next LogoutRequest, or finishes: LogoutResponse to the initiating SP, or the signed-out page. */
  private async next(key: string, tx: SloTransaction, clientIp: string): Promise<SloOutcome> {
    while (tx.pending.length > 0) {
      const target = tx.pending.shift()!;
      const sp = await this.sps.findServiceProviderByEntityId(target.spEntityId);
      const endpoint = sp ? sloEndpoint(sp, 'redirect') : null;
      if (!sp || !endpoint) {
        tx.unreachable.push(target.spEntityId);
        continue;
      }
      const built = buildLogoutRequest({
        issuer: this.settings.entityId,
        destination: endpoint.location,
        nameId: { value: target.nameId, format: target.nameIdFormat },
        // The SP's own SessionIndex (sessions recorded before per-SP indexes got the IdP's).
        sessionIndex: target.spSessionIndex || target.idpSessionIndex,
        now: new Date(),
        lifetimeSeconds: this.settings.transactionSeconds,
      });
      tx.current = { spEntityId: sp.entityId, requestId: built.id };
      await this.save(key, tx);
      await this.audit('slo.propagate', tx.username, sp.entityId, clientIp, { sp: sp.entityId, requestId: built.id, binding: endpoint.binding });
      const message =
        endpoint.binding === BINDING_HTTP_REDIRECT
          ? redirectBinding(endpoint.location, 'SAMLRequest', built.xml, key, this.signer())
          : postBinding(endpoint.location, 'SAMLRequest', built.signedXml(this.signer()), key);
      return { kind: 'saml', message };
    }
    await this.state.takeTransaction(key, TX_KIND);
    await this.audit('slo.complete', tx.username, tx.initiator?.spEntityId ?? null, clientIp, {
      initiator: tx.initiator?.spEntityId ?? 'idp',
      loggedOut: tx.loggedOut,
      failed: tx.failed,
      unreachable: tx.unreachable,
    });
    if (!tx.initiator) return { kind: 'done', loggedOut: tx.loggedOut, failed: tx.failed, unreachable: tx.unreachable };
    const initiator = await this.sps.findServiceProviderByEntityId(tx.initiator.spEntityId);
    const endpoint = initiator ? sloEndpoint(initiator, tx.initiator.binding) : null;
    if (!initiator || !endpoint) return { kind: 'done', loggedOut: tx.loggedOut, failed: tx.failed, unreachable: tx.unreachable };
    // SAML core 3.7.3.2: a logout that could not reach every session answers PartialLogout.
    const status: SamlStatus = tx.failed.length > 0 || tx.partial ? { code: STATUS_SUCCESS, subCode: STATUS_PARTIAL_LOGOUT } : { code: STATUS_SUCCESS };
    const location = endpoint.responseLocation ?? endpoint.location;
    const built = buildLogoutResponse({ issuer: this.settings.entityId, destination: location, inResponseTo: tx.initiator.requestId, status, now: new Date() });
    const message =
      endpoint.binding === BINDING_HTTP_REDIRECT
        ? redirectBinding(location, 'SAMLResponse', built.xml, tx.initiator.relayState, this.signer())
        : postBinding(location, 'SAMLResponse', built.signedXml(this.signer()), tx.initiator.relayState);
    return { kind: 'saml', message };
  }

  private async save(key: string, tx: SloTransaction): Promise<void> {
    await this.state.putTransaction(key, TX_KIND, JSON.stringify(tx), Date.now() + this.settings.transactionSeconds * 1000);
  }

  private async load(key: string): Promise<SloTransaction | null> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(key)) return null;
    const raw = await this.state.getTransaction(key, TX_KIND, Date.now());
    return raw === null ? null : (JSON.parse(raw) as SloTransaction);
  }
}

function pendingOf(record: SpSessionRecord) {
  return { spEntityId: record.spEntityId, nameId: record.nameId, nameIdFormat: record.nameIdFormat, idpSessionIndex: record.idpSessionIndex, spSessionIndex: record.spSessionIndex };
}

/** The SP's SLO endpoint, preferring the binding the exchange already uses. */
function sloEndpoint(sp: ServiceProvider, preferred: 'redirect' | 'post'): SpEndpoint | null {
  const want = preferred === 'redirect' ? BINDING_HTTP_REDIRECT : BINDING_HTTP_POST;
  return sp.slo.find((e) => e.binding === want) ?? sp.slo[0] ?? null;
}
