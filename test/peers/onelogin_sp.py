#!/usr/bin/python3
"""Independent SAML SP peer: OneLogin python3-saml (Debian python3-onelogin-saml2) in STRICT mode.

Plays the AWS console SP (entityID urn:amazon:webservices, ACS https://signin.aws.amazon.com/saml)
and judges a SAMLResponse produced by Sesame. It knows nothing of Sesame's code; the only inputs are
our exported IdP metadata and the base64 SAMLResponse exactly as it would be POSTed.

Run with the Debian interpreter (/usr/bin/python3), not a pyenv/venv python:
    /usr/bin/python3 test/peers/onelogin_sp.py --metadata idp-metadata.xml --response resp.b64 \
        [--acs https://signin.aws.amazon.com/saml] [--sp-entity-id urn:amazon:webservices] \
        [--want-messages-signed]

Prints one JSON object on stdout:
    {"valid": bool, "error": str|null, "nameId": ..., "nameIdFormat": ..., "attributes": {name: [values]},
     "sessionIndex": ..., "issuers": [...], "destination": ..., "audiences": [...], "peer": "python3-saml x.y"}
Exit status 0 when valid, 1 when the response was rejected, 2 on usage/setup errors (still JSON).

What strict python3-saml 1.12 checks (and what it does NOT), so tests know what a pass proves:
  * schema (saml-schema-protocol-2.0.xsd), Version, ID, Status=Success, exactly one assertion,
    exactly one Conditions and one AuthnStatement, an AttributeStatement, NotBefore/NotOnOrAfter,
    Audience contains the SP entity ID, every Issuer equals the metadata entityID, signatures only on
    Response/Assertion with Reference URI == parent ID, cert from metadata only (KeyInfo ignored).
  * Destination: only a PREFIX check (Destination.startswith(current URL)); a missing Destination is
    accepted. Recipient: only a SUBSTRING check (current URL in Recipient). Compare the reported
    "destination" yourself when exactness matters.
  * InResponseTo is checked only when the SP passes a request ID; this peer never does (AWS is
    IdP-initiated, rule E9), so unsolicited responses are accepted.
  * RSA-SHA1 is still accepted by 1.12 (no rejectDeprecatedAlgorithm setting yet).
"""

import argparse
import json
import sys
from urllib.parse import urlparse

from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

AWS_ACS = 'https://signin.aws.amazon.com/saml'
AWS_SP_ENTITY_ID = 'urn:amazon:webservices'
# AWS never sends AuthnRequests; python-saml still insists on an IdP SSO URL in its settings.
PLACEHOLDER_SSO_URL = 'https://idp.invalid/sso-not-used-by-aws'


def peer_version():
    try:
        import importlib.metadata as md
        return 'python3-saml ' + md.version('python3-saml')
    except Exception:
        return 'python3-saml (version unknown)'


def result(valid, error=None, **fields):
    out = {
        'valid': bool(valid),
        'error': error,
        'nameId': None,
        'nameIdFormat': None,
        'attributes': {},
        'sessionIndex': None,
        'issuers': [],
        'destination': None,
        'audiences': [],
        'peer': peer_version(),
    }
    out.update(fields)
    return out


def emit(out, code):
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
    sys.exit(code)


def build_settings(metadata_xml, acs, sp_entity_id, want_messages_signed):
    # Prefer the POST SSO endpoint, fall back to Redirect; neither is used for IdP-initiated SSO.
    parsed = OneLogin_Saml2_IdPMetadataParser.parse(
        metadata_xml, required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_POST)
    if 'singleSignOnService' not in parsed.get('idp', {}):
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml)
    idp = parsed.get('idp')
    if not idp or not idp.get('entityId'):
        raise ValueError('IdP metadata has no EntityDescriptor/IDPSSODescriptor with an entityID')
    if not idp.get('x509cert') and not idp.get('x509certMulti'):
        raise ValueError('IdP metadata has no signing certificate')
    idp.setdefault('singleSignOnService', {
        'url': PLACEHOLDER_SSO_URL, 'binding': OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT})

    settings = {
        'strict': True,
        'debug': False,
        'sp': {
            'entityId': sp_entity_id,
            'assertionConsumerService': {'url': acs, 'binding': OneLogin_Saml2_Constants.BINDING_HTTP_POST},
            'NameIDFormat': OneLogin_Saml2_Constants.NAMEID_UNSPECIFIED,
            'x509cert': '',
            'privateKey': '',
        },
        'idp': idp,
        'security': {
            'wantAssertionsSigned': True,
            'wantMessagesSigned': bool(want_messages_signed),
            'requestedAuthnContext': False,
            'failOnAuthnContextMismatch': False,
            'wantNameId': True,
            'wantAttributeStatement': True,
            'wantAssertionsEncrypted': False,
            'wantNameIdEncrypted': False,
            # AWS Role is multi-valued inside ONE Attribute; repeated Attribute names are an IdP bug.
            'allowRepeatAttributeName': False,
            'authnRequestsSigned': False,
        },
    }
    return OneLogin_Saml2_Settings(settings, sp_validation_only=True)


def request_data_for(acs, b64):
    """A request dict whose 'current URL' is exactly the ACS URL (scheme, host[:port], path)."""
    u = urlparse(acs)
    if u.scheme not in ('http', 'https') or not u.netloc:
        raise ValueError('ACS URL must be absolute http(s): %r' % acs)
    return {
        'https': 'on' if u.scheme == 'https' else 'off',
        'http_host': u.netloc,
        'script_name': u.path or '/',
        'get_data': {},
        'post_data': {'SAMLResponse': b64},
    }


def main():
    ap = argparse.ArgumentParser(description='OneLogin python3-saml strict SP peer (AWS console role)')
    ap.add_argument('--metadata', required=True, help='IdP metadata XML file')
    ap.add_argument('--response', required=True, help='file holding the base64 SAMLResponse')
    ap.add_argument('--acs', default=AWS_ACS, help='ACS URL the response is POSTed to (default %(default)s)')
    ap.add_argument('--sp-entity-id', default=AWS_SP_ENTITY_ID, help='SP entity ID / expected audience')
    ap.add_argument('--want-messages-signed', action='store_true', help='also require a Response-level signature')
    args = ap.parse_args()

    try:
        with open(args.metadata, 'r', encoding='utf-8') as fh:
            metadata_xml = fh.read()
        with open(args.response, 'r', encoding='ascii') as fh:
            b64 = ''.join(fh.read().split())
        settings = build_settings(metadata_xml, args.acs, args.sp_entity_id, args.want_messages_signed)
        request_data = request_data_for(args.acs, b64)
    except Exception as err:  # setup problem, not a verdict on the response
        emit(result(False, 'setup: %s: %s' % (type(err).__name__, err)), 2)

    try:
        response = OneLogin_Saml2_Response(settings, b64)
        # request_id=None: IdP-initiated (AWS never sends an AuthnRequest), so no InResponseTo match.
        response.is_valid(request_data, request_id=None, raise_exceptions=True)
    except Exception as err:
        emit(result(False, '%s: %s' % (type(err).__name__, err)), 1)

    try:
        out = result(
            True,
            nameId=response.get_nameid(),
            nameIdFormat=response.get_nameid_format(),
            attributes=response.get_attributes(),
            sessionIndex=response.get_session_index(),
            issuers=sorted(response.get_issuers()),
            destination=response.document.get('Destination'),
            audiences=response.get_audiences(),
        )
    except Exception as err:
        emit(result(False, 'extract: %s: %s' % (type(err).__name__, err)), 1)
    emit(out, 0)


if __name__ == '__main__':
    main()
