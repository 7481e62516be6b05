import * as samlify from 'samlify';
import { newSamlId } from '../../src/saml/samlId';
import type { ResponseInput } from '../../src/saml/buildResponse';
import { asyncRate } from './measureRate';
import type { BenchInstallation } from './benchInstallation';

/**
 * The same AWS response as Sesame's, element for element, in samlify's template syntax: the Response
 * and Assertion each declare what they use, the assertion has Subject, Conditions, AuthnStatement and
 * the AttributeStatement, and samlify inserts both signatures after the Issuers as Sesame does.
 * The attributes go where {AwsAttributeStatement} stands: samlify's own {AttributeStatement} is
 * filled by its constructor from loginResponseTemplate.attributes, one value per attribute.
 */
const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="{Destination}" ID="{ID}" IssueInstant="{IssueInstant}" Version="2.0">' +
  '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{Issuer}</saml:Issuer>' +
  '<samlp:Status><samlp:StatusCode Value="{StatusCode}"/></samlp:Status>' +
  '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{AssertionID}" IssueInstant="{IssueInstant}" Version="2.0">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
  '<saml:SubjectConfirmationData NotOnOrAfter="{SubjectConfirmationDataNotOnOrAfter}" Recipient="{SubjectRecipient}"/>' +
  '</saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{ConditionsNotBefore}" NotOnOrAfter="{ConditionsNotOnOrAfter}">' +
  '<saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{AuthnInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext>' +
  '<saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{AwsAttributeStatement}</saml:Assertion></samlp:Response>';

/**
 * samlify's way to release attributes with several values (AWS Role): an AttributeStatement
 * template with one placeholder per value, filled by replaceTagsByValue, which escapes every value
 * (the CVE-2026-46490 fix in 2.13.0).
 */
function attributeStatementTemplate(input: ResponseInput): { template: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  let template = '<saml:AttributeStatement>';
  input.attributes.forEach((attribute, a) => {
    values[`AttrName${a}`] = attribute.name;
    template += `<saml:Attribute Name="{AttrName${a}}">`;
    attribute.values.forEach((value, v) => {
      values[`Attr${a}Value${v}`] = value;
      template += `<saml:AttributeValue>{Attr${a}Value${v}}</saml:AttributeValue>`;
    });
    template += '</saml:Attribute>';
  });
  return { template: template + '</saml:AttributeStatement>', values };
}

export interface SamlifyBaseline {
  responsesPerSecond: number;
  sampleXml: string;
}

/**
 * samlify 2.13.1's IdP API (createLoginResponse, POST binding) producing the AWS response Sesame
 * produces: same key and certificate, same values, RSA-SHA256 with SHA-256 digests and exclusive
 * C14N on both the Response and the Assertion (SP with wantAssertionsSigned and wantMessageSigned).
 *
 * No schema validator is registered: createLoginResponse only builds XML and never parses, and the
 * benchmark never parses with samlify. A production samlify deployment must register one.
 */
export async function measureSamlifyBaseline(installation: BenchInstallation, input: ResponseInput, seconds: number): Promise<SamlifyBaseline> {
  const idp = samlify.IdentityProvider({
    entityID: input.issuer,
    privateKey: installation.keyPem,
    signingCert: installation.key.certificatePem,
    isAssertionEncrypted: false,
    nameIDFormat: [input.nameId.format],
    loginResponseTemplate: { context: RESPONSE_TEMPLATE, attributes: [] },
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${input.issuer}/sso` }],
    singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${input.issuer}/slo` }],
  });
  const sp = samlify.ServiceProvider({
    entityID: input.audience,
    wantAssertionsSigned: true,
    wantMessageSigned: true,
    assertionConsumerService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: input.destination }],
  });

  const respond = async (): Promise<string> => {
    // IdP-initiated, like AWS console sign-in (E9): there is no AuthnRequest to answer.
    const result = await idp.createLoginResponse(sp, { extract: {} }, 'post', {}, {
      customTagReplacement: (template: string) => {
        // Per request, as Sesame does: fresh IDs and instants, the user's attributes.
        const now = new Date();
        const notOnOrAfter = new Date(now.getTime() + input.lifetimeSeconds * 1000).toISOString();
        const id = newSamlId();
        const attributes = attributeStatementTemplate(input);
        const context = samlify.SamlLib.replaceTagsByValue(template.replace('{AwsAttributeStatement}', attributes.template), {
          ID: id,
          AssertionID: newSamlId(),
          Destination: input.destination,
          Issuer: input.issuer,
          IssueInstant: now.toISOString(),
          StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
          NameIDFormat: input.nameId.format,
          NameID: input.nameId.value,
          SubjectConfirmationDataNotOnOrAfter: notOnOrAfter,
          SubjectRecipient: input.destination,
          ConditionsNotBefore: new Date(now.getTime() - input.notBeforeSkewSeconds * 1000).toISOString(),
          ConditionsNotOnOrAfter: notOnOrAfter,
          Audience: input.audience,
          AuthnInstant: input.authnInstant.toISOString(),
          SessionIndex: input.sessionIndex,
          AuthnContextClassRef: input.authnContextClassRef,
          ...attributes.values,
        });
        return { id, context };
      },
    });
    return result.context;
  };

  const responsesPerSecond = await asyncRate(respond, seconds);
  return { responsesPerSecond, sampleXml: Buffer.from(await respond(), 'base64').toString('utf8') };
}
