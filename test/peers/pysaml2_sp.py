#!/usr/bin/python3
"""Independent SAML SP peer: pysaml2 (Debian python3-pysaml2) playing the AWS console SP.

Same contract as onelogin_sp.py. Run with the Debian interpreter:
    /usr/bin/python3 test/peers/pysaml2_sp.py --metadata idp-metadata.xml --response resp.b64 \
        [--acs https://signin.aws.amazon.com/saml] [--sp-entity-id urn:amazon:webservices] \
        [--want-messages-signed]

Prints one JSON object on stdout (see onelogin_sp.py) and exits 0 when valid, 1 when rejected,
2 on usage/setup errors.

pysaml2 specifics worth knowing when reading a verdict:
  * signatures are checked by the xmlsec1 binary with
    `--enabled-key-data raw-x509-cert --id-attr:ID <node> --node-id <ID>`, against certificates from
    the metadata file only;
  * allow_unsolicited=True accepts IdP-initiated responses (no InResponseTo), as AWS needs (E9);
  * Destination must be one of the SP's ACS URLs when present (exact match); Recipient must be an
    ACS URL; Audience must contain the SP entity ID; Issuer must be a known IdP in metadata;
  * "attributes" here are the raw <Attribute Name> -> [values] of the verified assertion, not
    pysaml2's friendly-name conversion (`ava`).
"""

import argparse
import json
import logging
import sys
from urllib.parse import urlparse

AWS_ACS = 'https://signin.aws.amazon.com/saml'
AWS_SP_ENTITY_ID = 'urn:amazon:webservices'
XMLSEC1 = '/usr/bin/xmlsec1'


def peer_version():
    try:
        import importlib.metadata as md
        return 'pysaml2 ' + md.version('pysaml2')
    except Exception:
        return 'pysaml2 (version unknown)'


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


def build_client(metadata_file, acs, sp_entity_id, want_messages_signed):
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    u = urlparse(acs)
    if u.scheme not in ('http', 'https') or not u.netloc:
        raise ValueError('ACS URL must be absolute http(s): %r' % acs)

    conf = {
        'entityid': sp_entity_id,
        'xmlsec_binary': XMLSEC1,
        'metadata': {'local': [metadata_file]},
        # Default skew is 0; keep it explicit so a verdict never depends on pysaml2's default.
        'accepted_time_diff': 0,
        'service': {
            'sp': {
                'endpoints': {
                    'assertion_consumer_service': [(acs, BINDING_HTTP_POST)],
                },
                'allow_unsolicited': True,
                'want_assertions_signed': True,
                'want_response_signed': bool(want_messages_signed),
                'authn_requests_signed': False,
                'allow_unknown_attributes': True,
            },
        },
    }
    cfg = SPConfig()
    cfg.load(conf)
    return Saml2Client(config=cfg), BINDING_HTTP_POST


class ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        try:
            self.messages.append(record.getMessage().splitlines()[0])
        except Exception:
            pass

    def suffix(self):
        return (' (pysaml2 log: %s)' % ' | '.join(self.messages[-3:])) if self.messages else ''


def text_of(node):
    if node is None:
        return None
    return getattr(node, 'text', None)


def main():
    ap = argparse.ArgumentParser(description='pysaml2 SP peer (AWS console role)')
    ap.add_argument('--metadata', required=True, help='IdP metadata XML file')
    ap.add_argument('--response', required=True, help='file holding the base64 SAMLResponse')
    ap.add_argument('--acs', default=AWS_ACS, help='ACS URL the response is POSTed to (default %(default)s)')
    ap.add_argument('--sp-entity-id', default=AWS_SP_ENTITY_ID, help='SP entity ID / expected audience')
    ap.add_argument('--want-messages-signed', action='store_true', help='also require a Response-level signature')
    args = ap.parse_args()

    # pysaml2 logs verdict details at ERROR/WARNING; keep stdout for the JSON only, and remember
    # the ERROR lines because some rejections are only visible there (see below).
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    errors = ErrorCollector()
    logging.getLogger('saml2').addHandler(errors)

    try:
        with open(args.response, 'r', encoding='ascii') as fh:
            b64 = ''.join(fh.read().split())
        client, binding = build_client(args.metadata, args.acs, args.sp_entity_id, args.want_messages_signed)
    except Exception as err:
        emit(result(False, 'setup: %s: %s' % (type(err).__name__, err)), 2)

    try:
        # outstanding=None + allow_unsolicited: IdP-initiated, as AWS sign-in works.
        resp = client.parse_authn_request_response(b64, binding, outstanding=None)
        if resp is None:
            raise ValueError('pysaml2 returned no response object' + errors.suffix())
        # GOTCHA: when StatusResponse._verify() fails softly (Destination not among the ACS URLs,
        # IssueInstant out of range, InResponseTo mismatch) pysaml2 only logs an error and
        # parse_authn_request_response() still returns the response object, with no assertion.
        if resp.assertion is None:
            raise ValueError('pysaml2 did not accept an assertion' + errors.suffix())
    except Exception as err:
        emit(result(False, '%s: %s' % (type(err).__name__, err)), 1)

    try:
        assertion = resp.assertion
        name_id = assertion.subject.name_id if assertion.subject is not None else None
        attributes = {}
        for statement in assertion.attribute_statement or []:
            for attribute in statement.attribute or []:
                values = [v.text if v.text is not None else '' for v in attribute.attribute_value or []]
                attributes.setdefault(attribute.name, []).extend(values)
        session_index = None
        for authn in assertion.authn_statement or []:
            session_index = authn.session_index
            break
        issuers = set()
        if resp.response.issuer is not None and resp.response.issuer.text:
            issuers.add(resp.response.issuer.text)
        if assertion.issuer is not None and assertion.issuer.text:
            issuers.add(assertion.issuer.text)
        audiences = []
        if assertion.conditions is not None:
            for restriction in assertion.conditions.audience_restriction or []:
                audiences.extend(a.text for a in restriction.audience or [])
        out = result(
            True,
            nameId=text_of(name_id),
            nameIdFormat=getattr(name_id, 'format', None),
            attributes=attributes,
            sessionIndex=session_index,
            issuers=sorted(issuers),
            destination=resp.response.destination,
            audiences=audiences,
        )
    except Exception as err:
        emit(result(False, 'extract: %s: %s' % (type(err).__name__, err)), 1)
    emit(out, 0)


if __name__ == '__main__':
    main()
