#!/usr/bin/python3
"""OneLogin python3-saml (Debian python3-onelogin-saml2) as a complete SP: it BUILDS the messages
Sesame receives and CONSUMES what Sesame answers. One command per invocation; state (outstanding
request IDs, the NameID and SessionIndex of the current session) lives in a JSON file between calls.

    /usr/bin/python3 test/peers/onelogin_sp_flow.py --config sp.json COMMAND [options]

sp.json: {"idpMetadataFile", "spEntityId", "acsUrl", "slsUrl", "certFile", "keyFile", "stateFile",
          "signRequests": bool, "wantAssertionsEncrypted": bool, "wantMessagesSigned": bool}

Commands (each prints one JSON object on stdout; exit 0 = success/valid, 1 = rejected, 2 = setup error):
    metadata                      SP metadata XML (python-saml's own generator)
    login --binding redirect|post [--force-authn] [--passive] [--relay-state R]
                                  an AuthnRequest: {"requestId", "url"} (Redirect) or {"requestId", "action", "fields"} (POST)
    acs --response-file F         strict validation of a SAMLResponse against the outstanding request ID
    logout [--relay-state R]      an SP-initiated LogoutRequest (HTTP-Redirect, signed): {"requestId", "url"}
    sls --query RAW               the IdP's LogoutRequest (-> {"kind": "request", "url": <LogoutResponse URL>})
                                  or LogoutResponse (-> {"kind": "response", "valid": ...}), signature checked on the raw query
"""

import argparse
import base64
import json
import sys
from urllib.parse import parse_qsl, urlparse

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils


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


def settings_for(cfg):
    idp = OneLogin_Saml2_IdPMetadataParser.parse(
        read(cfg['idpMetadataFile']), required_sso_binding=C.BINDING_HTTP_REDIRECT, required_slo_binding=C.BINDING_HTTP_REDIRECT)['idp']
    return {
        'strict': True,
        'debug': False,
        'sp': {
            'entityId': cfg['spEntityId'],
            'assertionConsumerService': {'url': cfg['acsUrl'], 'binding': C.BINDING_HTTP_POST},
            'singleLogoutService': {'url': cfg['slsUrl'], 'binding': C.BINDING_HTTP_REDIRECT},
            'NameIDFormat': C.NAMEID_PERSISTENT,
            'x509cert': read(cfg['certFile']),
            'privateKey': read(cfg['keyFile']),
        },
        'idp': idp,
        'security': {
            'authnRequestsSigned': bool(cfg.get('signRequests')),
            'logoutRequestSigned': True,
            'logoutResponseSigned': True,
            'wantMessagesSigned': bool(cfg.get('wantMessagesSigned')),
            'wantAssertionsSigned': True,
            'wantAssertionsEncrypted': bool(cfg.get('wantAssertionsEncrypted')),
            'wantNameId': True,
            'wantAttributeStatement': False,
            # Sesame is served over plain HTTP in tests, so it (rightly) never claims PasswordProtectedTransport.
            'requestedAuthnContext': False,
            'signatureAlgorithm': C.RSA_SHA256,
            'digestAlgorithm': C.SHA256,
        },
    }


def request_data(url, get_data=None, post_data=None, query_string=None):
    u = urlparse(url)
    data = {
        'https': 'on' if u.scheme == 'https' else 'off',
        'http_host': u.netloc,
        'script_name': u.path or '/',
        'get_data': get_data or {},
        'post_data': post_data or {},
    }
    if query_string is not None:
        data['query_string'] = query_string
        data['validate_signature_from_qs'] = True
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('command', choices=['metadata', 'login', 'acs', 'logout', 'sls'])
    ap.add_argument('--binding', choices=['redirect', 'post'], default='redirect')
    ap.add_argument('--force-authn', action='store_true')
    ap.add_argument('--passive', action='store_true')
    ap.add_argument('--relay-state')
    ap.add_argument('--response-file')
    ap.add_argument('--query')
    args = ap.parse_args()
    try:
        cfg = json.loads(read(args.config))
        raw_settings = settings_for(cfg)
        settings = OneLogin_Saml2_Settings(raw_settings)
        state = load_state(cfg)
    except Exception as err:
        emit({'error': 'setup: %s: %s' % (type(err).__name__, err)}, 2)

    if args.command == 'metadata':
        emit({'metadata': settings.get_sp_metadata().decode('utf-8') if isinstance(settings.get_sp_metadata(), bytes) else settings.get_sp_metadata()})

    if args.command == 'login':
        if args.binding == 'redirect':
            auth = OneLogin_Saml2_Auth(request_data(cfg['acsUrl']), raw_settings)
            url = auth.login(return_to=args.relay_state, force_authn=args.force_authn, is_passive=args.passive)
            state['outstanding'] = auth.get_last_request_id()
            save_state(cfg, state)
            emit({'requestId': state['outstanding'], 'url': url})
        request = OneLogin_Saml2_Authn_Request(settings, force_authn=args.force_authn, is_passive=args.passive)
        xml = request.get_xml()
        if cfg.get('signRequests'):
            xml = OneLogin_Saml2_Utils.add_sign(xml, read(cfg['keyFile']), read(cfg['certFile']),
                                                sign_algorithm=C.RSA_SHA256, digest_algorithm=C.SHA256)
        if isinstance(xml, str):
            xml = xml.encode('utf-8')
        fields = {'SAMLRequest': base64.b64encode(xml).decode('ascii')}
        if args.relay_state is not None:
            fields['RelayState'] = args.relay_state
        state['outstanding'] = request.get_id()
        save_state(cfg, state)
        emit({'requestId': state['outstanding'], 'action': settings.get_idp_data()['singleSignOnService']['url'], 'fields': fields})

    if args.command == 'acs':
        b64 = ''.join(read(args.response_file).split())
        try:
            response = OneLogin_Saml2_Response(settings, b64)
            response.is_valid(request_data(cfg['acsUrl'], post_data={'SAMLResponse': b64}), request_id=state.get('outstanding'), raise_exceptions=True)
        except Exception as err:
            emit({'valid': False, 'error': '%s: %s' % (type(err).__name__, err)}, 1)
        state.update({'nameId': response.get_nameid(), 'nameIdFormat': response.get_nameid_format(),
                      'sessionIndex': response.get_session_index(), 'outstanding': None})
        save_state(cfg, state)
        xml = response.get_xml_document()
        emit({'valid': True, 'error': None, 'nameId': response.get_nameid(), 'nameIdFormat': response.get_nameid_format(),
              'sessionIndex': response.get_session_index(), 'attributes': response.get_attributes(),
              'encrypted': b'EncryptedAssertion' in base64.b64decode(b64), 'inResponseTo': xml.get('InResponseTo')})

    if args.command == 'logout':
        auth = OneLogin_Saml2_Auth(request_data(cfg['slsUrl']), raw_settings)
        url = auth.logout(return_to=args.relay_state, name_id=state.get('nameId'), session_index=state.get('sessionIndex'),
                          name_id_format=state.get('nameIdFormat'))
        state['logoutRequestId'] = auth.get_last_request_id()
        save_state(cfg, state)
        emit({'requestId': state['logoutRequestId'], 'url': url})

    if args.command == 'sls':
        get_data = dict(parse_qsl(args.query, keep_blank_values=True))
        auth = OneLogin_Saml2_Auth(request_data(cfg['slsUrl'], get_data=get_data, query_string=args.query), raw_settings)
        kind = 'request' if 'SAMLRequest' in get_data else 'response'
        url = auth.process_slo(keep_local_session=True, request_id=state.get('logoutRequestId'))
        errors = auth.get_errors()
        if errors:
            emit({'kind': kind, 'valid': False, 'error': '%s: %s' % (errors, auth.get_last_error_reason())}, 1)
        if kind == 'request':
            state.update({'nameId': None, 'sessionIndex': None})
            save_state(cfg, state)
        emit({'kind': kind, 'valid': True, 'url': url})


if __name__ == '__main__':
    main()
