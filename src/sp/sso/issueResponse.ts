import { randomBytes } from 'node:crypto';
import { authnContextFor } from '../../auth/authnContext';
import { buildErrorResponse, buildSignedResponse, STATUS_REQUESTER, STATUS_RESPONDER, STATUS_REQUEST_DENIED, STATUS_INVALID_NAMEID_POLICY, type SamlStatus } from '../../saml/buildResponse';
import { isAwsAudienceLike } from '../../aws/awsRelyingParty';
import { spSessionIndex } from '../../saml/spSessionIndex';
import type { EmailOwners } from '../../store/emailOwners';
import { encryptAssertion } from '../../saml/encryptAssertion';
import { persistentNameId } from '../../saml/persistentNameId';
import type { Principal } from '../../saml/types';
import type { EnvelopedSigner } from '../../saml/xmlDsig';
import type { SamlStateStore } from '../../store/samlStateStore';
import type { Store } from '../../store/store';
import { postBinding, type OutgoingSaml } from '../bindings/samlPost';
import { runReleaseChain } from '../release/attributeMappers';
import { NAMEID_FORMAT_OF } from '../spSettings';
import type { NameIdKind, ServiceProvider } from '../serviceProvider';
import type { SamlIdpSettings } from './samlSettings';
import { SamlReplyError, type IdpSession } from './ssoTypes';

export interface IssueRequest {
  sp: ServiceProvider;
  acsUrl: string;
  inResponseTo: string | null;
  relayState: string | null;
  nameId: NameIdKind;
  session: IdpSession;
  clientIp: string;
}

/**
 * The last steps of every SSO flow: NameID → release chain → build → sign → encrypt → remember the
 * SP session (for Single Logout) → audit → auto-POST to the registered ACS.
 */
export class ResponseIssuer {
  constructor(
    private readonly store: Store,
    private readonly state: SamlStateStore,
    private readonly signer: () => EnvelopedSigner,
    private readonly settings: SamlIdpSettings,
    private readonly installationSecret: string,
    /** Who else holds an e-mail address; without it, the user list is searched. */
    private readonly emailOwners?: EmailOwners,
  ) {}

  private async emailOwnerCount(email: string): Promise<number> {
    if (this.emailOwners) return this.emailOwners.countActiveUsersWithEmail(email);
    const wanted = email.toLowerCase();
    return (await this.store.listUsers()).filter((u) => !u.disabled && u.email?.toLowerCase() === wanted).length;
  }

  /** The NameID this SP gets for this user and session (a transient one is reused within the IdP session). */
  private async nameIdFor(kind: NameIdKind, sp: ServiceProvider, session: IdpSession): Promise<string> {
    const user = session.user;
    switch (kind) {
      case 'persistent':
        // The SP's registry identity, never its Audience setting: an admin-set audience must not
        // let one SP receive the NameIDs of another (or of the AWS console).
        return persistentNameId(this.installationSecret, user.subjectSeed, sp.entityId);
      case 'transient': {
        const existing = (await this.state.listSpSessions(session.sessionIndex, Date.now())).find(
          (s) => s.spEntityId === sp.entityId && s.nameIdFormat === NAMEID_FORMAT_OF.transient,
        );
        return existing?.nameId ?? '_' + randomBytes(20).toString('hex');
      }
      case 'email':
        if (!user.email) {
          throw new SamlReplyError('sp.nameid', { code: STATUS_REQUESTER, subCode: STATUS_INVALID_NAMEID_POLICY, message: 'This account has no e-mail address to use as the NameID.' });
        }
        // Addresses are not unique in Sesame (directory users get theirs copied from LDAP): an
        // e-mail NameID shared by two active users would sign one in as the other at the SP.
        if ((await this.emailOwnerCount(user.email)) > 1) {
          throw new SamlReplyError('sp.nameid-email-shared', {
            code: STATUS_RESPONDER,
            subCode: STATUS_REQUEST_DENIED,
            message: 'The e-mail address of this account is also used by another account, so it cannot identify the user; ask the administrator.',
          });
        }
        return user.email;
      case 'username':
        return user.username;
    }
  }

  async issue(request: IssueRequest): Promise<OutgoingSaml> {
    const { sp, session } = request;
    const user = session.user;
    refuseAwsIdentity(sp);
    const nameIdValue = await this.nameIdFor(request.nameId, sp, session);
    const nameIdFormat = NAMEID_FORMAT_OF[request.nameId];
    const release = sp.settings.attributeRelease;
    const groups = (await this.store.listGroupsOfUser(user.id)).map((g) => g.name);
    const grants = release.some((name) => name.startsWith('aws:')) ? await this.store.listRoleGrantsForUser(user.id) : [];
    const principal: Principal = { userId: user.id, username: user.username, displayName: user.displayName, email: user.email };
    const attributes = runReleaseChain(release, { principal, groups, grants, spEntityId: sp.entityId });
    const encryptionCertificate = sp.settings.encryptAssertion ? sp.encryptionCertificates[0] : undefined;
    const audience = sp.settings.audience ?? sp.entityId;
    const now = new Date();
    const sessionIndex = spSessionIndex(session.sessionIndex, sp.entityId);
    const built = buildSignedResponse(
      {
        issuer: this.settings.entityId,
        destination: request.acsUrl,
        audience,
        nameId: { value: nameIdValue, format: nameIdFormat },
        ...(request.inResponseTo !== null ? { inResponseTo: request.inResponseTo } : {}),
        now,
        lifetimeSeconds: sp.settings.assertionLifetimeSeconds,
        notBeforeSkewSeconds: 60,
        authnInstant: session.authnInstant,
        sessionIndex,
        authnContextClassRef: authnContextFor({ overTls: this.settings.overTls, secondFactor: session.secondFactor }),
        attributes,
        signResponse: sp.settings.signResponse,
        signAssertion: sp.settings.signAssertion,
        ...(encryptionCertificate ? { encryptAssertion: (xml: string) => encryptAssertion(xml, { certificateBase64: encryptionCertificate }) } : {}),
      },
      this.signer(),
    );
    await this.state.recordSpSession({
      idpSessionIndex: session.sessionIndex,
      spEntityId: sp.entityId,
      spSessionIndex: sessionIndex,
      nameId: nameIdValue,
      nameIdFormat,
      sid: session.sid,
      userId: user.id,
      createdAt: now.getTime(),
      expiresAt: session.authnInstant.getTime() + this.settings.sessionMaxSeconds * 1000,
    });
    await this.store.appendAudit({
      event: 'assertion.issued',
      actor: user.username,
      subject: user.username,
      clientIp: request.clientIp,
      details: {
        sp: sp.entityId,
        acs: request.acsUrl,
        assertionId: built.assertionId,
        responseId: built.responseId,
        inResponseTo: request.inResponseTo,
        nameId: nameIdValue,
        nameIdFormat,
        attributes: attributes.map((a) => a.name),
        encrypted: encryptionCertificate !== undefined,
      },
    });
    return postBinding(request.acsUrl, 'SAMLResponse', built.xml, request.relayState);
  }

  /** A signed error Response to the SP's registered ACS, audited with the rule that caused it. */
  async reply(sp: ServiceProvider, acsUrl: string, inResponseTo: string | null, relayState: string | null, status: SamlStatus, rule: string, actor: string, clientIp: string): Promise<OutgoingSaml> {
    const built = buildErrorResponse(
      { issuer: this.settings.entityId, destination: acsUrl, ...(inResponseTo !== null ? { inResponseTo } : {}), status, now: new Date() },
      this.signer(),
    );
    await this.store.appendAudit({
      event: 'saml.response.error',
      actor,
      subject: sp.entityId,
      clientIp,
      details: { sp: sp.entityId, acs: acsUrl, responseId: built.responseId, inResponseTo, status: status.subCode ?? status.code, rule, reason: status.message ?? null },
    });
    return postBinding(acsUrl, 'SAMLResponse', built.xml, relayState);
  }
}

/**
 * The registry refuses these (spSettings.checkMetadataSp), but an entry stored before those checks
 * existed may still carry them: an SP registered from metadata never gets an assertion AWS would
 * take as its own, nor the AWS role attributes.
 */
function refuseAwsIdentity(sp: ServiceProvider): void {
  if (sp.source !== 'metadata') return;
  const audience = sp.settings.audience ?? sp.entityId;
  if (isAwsAudienceLike(sp.entityId) || isAwsAudienceLike(audience) || sp.settings.attributeRelease.some((name) => name.startsWith('aws:'))) {
    throw new SamlReplyError('sp.aws-identity', {
      code: STATUS_RESPONDER,
      subCode: STATUS_REQUEST_DENIED,
      message: 'This service provider is configured with an AWS identity it may not use; ask the administrator.',
    });
  }
}
