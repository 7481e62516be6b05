#!/usr/bin/python3
"""pysaml2 (Debian python3-pysaml2) as a complete SP, same command contract as onelogin_sp_flow.py:

    /usr/bin/python3 test/peers/pysaml2_sp_flow.py --config sp.json COMMAND [options]

Commands: metadata | login --binding redirect|post [--force-authn] [--passive] [--relay-state R] |
          acs --response-file F | logout --binding redirect|post | sls --query RAW | sls --post-field NAME=VALUE...

pysaml2 checks XML signatures with the xmlsec1 binary against the IdP metadata only. It does not
check HTTP-Redirect query signatures on the SP side by itself, so `sls` does that explicitly with
pysaml2's own saml2.sigver.verify_redirect_signature and the IdP certificate from metadata.
State (outstanding request IDs, the NameID, logout request ID) lives in the stateFile and the
identity cache (a shelve file) between invocations.
"""

import argparse
import base64
import html
import json
import logging
import os
import re
import sys
from urllib.parse import parse_qsl, urlparse

XMLSEC1 = '/usr/bin/xmlsec1'


def emit(obj, code=0):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()
    sys.exit(code)


def read(path):
    with open(path, 'r', encoding='utf-8') as fh:
        return fh.read()


def load_state(cfg):
    try:
        return json.loads(read(cfg['stateFile']))
    except FileNotFoundError:
        return {}


def save_state(cfg, state):
    with open(cfg['stateFile'], 'w', encoding='utf-8') as fh:
        json.dump(state, fh)


def build_client(cfg):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.client import Saml2Client
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_PERSISTENT
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
    conf = {
        'entityid': cfg['spEntityId'],
        'xmlsec_binary': XMLSEC1,
        'metadata': {'local': [cfg['idpMetadataFile']]},
        'key_file': cfg['keyFile'],
        'cert_file': cfg['certFile'],
        'encryption_keypairs': [{'key_file': cfg['keyFile'], 'cert_file': cfg['certFile']}],
        'accepted_time_diff': 60,
        'service': {
            'sp': {
                'endpoints': {
                    'assertion_consumer_service': [(cfg['acsUrl'], BINDING_HTTP_POST)],
                    'single_logout_service': [(cfg['slsUrl'], BINDING_HTTP_REDIRECT), (cfg['slsUrl'], BINDING_HTTP_POST)],
                },
                'authn_requests_signed': bool(cfg.get('signRequests')),
                'logout_requests_signed': True,
                'logout_responses_signed': True,
                'want_assertions_signed': True,
                'want_response_signed': bool(cfg.get('wantMessagesSigned')),
                'want_assertions_or_response_signed': True,
                'allow_unsolicited': False,
                'allow_unknown_attributes': True,
                'name_id_format': NAMEID_FORMAT_PERSISTENT,
                'signing_algorithm': SIG_RSA_SHA256,
                'digest_algorithm': DIGEST_SHA256,
            },
        },
    }
    sp_conf = SPConfig()
    sp_conf.load(conf)
    return Saml2Client(config=sp_conf, identity_cache=os.path.join(cfg['cacheDir'], 'identities'))


def idp_entity_id(client):
    return list(client.metadata.identity_providers())[0]


def idp_cert_body(cfg):
    # verify_redirect_signature wraps the bare base64 body in PEM armour itself.
    return re.search(r'<ds:X509Certificate>([^<]+)</ds:X509Certificate>', read(cfg['idpMetadataFile'])).group(1).strip()


def form_fields(page):
    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        fields[html.unescape(name)] = html.unescape(value)
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    return (html.unescape(action.group(1)) if action else None), fields


def outgoing(info):
    if info.get('method') == 'GET':
        return {'url': dict(info['headers'])['Location']}
    action, fields = form_fields(info['data'])
    return {'action': action, 'fields': fields}


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage().splitlines()[0][:300])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('command', choices=['metadata', 'login', 'acs', 'logout', 'sls'])
    ap.add_argument('--binding', choices=['redirect', 'post'], default='redirect')
    ap.add_argument('--force-authn', action='store_true')
    ap.add_argument('--passive', action='store_true')
    ap.add_argument('--relay-state', default='')
    ap.add_argument('--response-file')
    ap.add_argument('--query')
    ap.add_argument('--post-field', action='append', default=[])
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    errors = Errors()
    logging.getLogger('saml2').addHandler(errors)

    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.saml import name_id_from_string
    from saml2.sigver import verify_redirect_signature
    from saml2.xmldsig import SIG_RSA_SHA256
    try:
        cfg = json.loads(read(args.config))
        client = build_client(cfg)
        state = load_state(cfg)
        idp = idp_entity_id(client)
    except Exception as err:
        emit({'error': 'setup: %s: %s' % (type(err).__name__, err)}, 2)
    binding = BINDING_HTTP_POST if args.binding == 'post' else BINDING_HTTP_REDIRECT

    if args.command == 'metadata':
        from saml2.metadata import create_metadata_string
        emit({'metadata': create_metadata_string(None, config=client.config, sign=False).decode('utf-8')})

    if args.command == 'login':
        kwargs = {}
        if args.force_authn:
            kwargs['force_authn'] = 'true'
        if args.passive:
            kwargs['is_passive'] = 'true'
        reqid, info = client.prepare_for_authenticate(entityid=idp, relay_state=args.relay_state, binding=binding,
                                                      sign=bool(cfg.get('signRequests')), sigalg=SIG_RSA_SHA256, **kwargs)
        state['outstanding'] = {reqid: args.relay_state}
        save_state(cfg, state)
        out = outgoing(info)
        out['requestId'] = reqid
        emit(out)

    if args.command == 'acs':
        b64 = ''.join(read(args.response_file).split())
        try:
            resp = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding=state.get('outstanding') or {})
            if resp is None or resp.assertion is None:
                raise ValueError('pysaml2 accepted no assertion: ' + ' | '.join(errors.lines[-3:]))
        except Exception as err:
            emit({'valid': False, 'error': '%s: %s' % (type(err).__name__, err)}, 1)
        assertion = resp.assertion
        attributes = {}
        for statement in assertion.attribute_statement or []:
            for attribute in statement.attribute or []:
                attributes.setdefault(attribute.name, []).extend(v.text or '' for v in attribute.attribute_value or [])
        session_index = assertion.authn_statement[0].session_index if assertion.authn_statement else None
        state.update({'nameId': str(resp.name_id), 'nameIdValue': resp.name_id.text, 'sessionIndex': session_index, 'outstanding': {}})
        save_state(cfg, state)
        emit({'valid': True, 'error': None, 'nameId': resp.name_id.text, 'nameIdFormat': resp.name_id.format, 'sessionIndex': session_index,
              'attributes': attributes, 'encrypted': b'EncryptedAssertion' in base64.b64decode(b64), 'inResponseTo': resp.response.in_response_to})

    if args.command == 'logout':
        destination = client.metadata.single_logout_service(idp, binding, 'idpsso')[0]['location']
        name_id = name_id_from_string(state['nameId'])
        req_id, req = client.create_logout_request(destination, idp, name_id=name_id, reason='urn:oasis:names:tc:SAML:2.0:logout:user',
                                                   session_indexes=[state['sessionIndex']], sign=binding == BINDING_HTTP_POST, sign_alg=SIG_RSA_SHA256)
        info = client.apply_binding(binding, str(req), destination, args.relay_state or None, sign=binding == BINDING_HTTP_REDIRECT, sigalg=SIG_RSA_SHA256)
        state['logoutRequestId'] = req_id
        save_state(cfg, state)
        out = outgoing(info)
        out['requestId'] = req_id
        emit(out)

    if args.command == 'sls':
        if args.query is not None:
            message = dict(parse_qsl(args.query, keep_blank_values=True))
            msg_binding = BINDING_HTTP_REDIRECT
            if not verify_redirect_signature(message, client.sec.sec_backend, cert=idp_cert_body(cfg)):
                emit({'valid': False, 'error': 'query-string signature does not verify'}, 1)
        else:
            message = dict(f.split('=', 1) for f in args.post_field)
            msg_binding = BINDING_HTTP_POST
        try:
            if 'SAMLRequest' in message:
                name_id = name_id_from_string(state['nameId'])
                info = client.handle_logout_request(message['SAMLRequest'], name_id, msg_binding, sign=True, relay_state=message.get('RelayState', ''))
                out = outgoing(info)
                out.update({'kind': 'request', 'valid': True})
                emit(out)
            response = client.parse_logout_request_response(message['SAMLResponse'], msg_binding)
            if response is None:
                raise ValueError('not a valid LogoutResponse: ' + ' | '.join(errors.lines[-3:]))
            if response.response.in_response_to != state.get('logoutRequestId'):
                raise ValueError('InResponseTo %r is not our request %r' % (response.response.in_response_to, state.get('logoutRequestId')))
            emit({'kind': 'response', 'valid': True, 'status': response.response.status.status_code.value})
        except Exception as err:
            emit({'kind': 'request' if 'SAMLRequest' in message else 'response', 'valid': False, 'error': '%s: %s' % (type(err).__name__, err)}, 1)


if __name__ == '__main__':
    main()
