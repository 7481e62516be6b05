#!/usr/bin/python3
"""A standard ECP conversation driven by pysaml2 (Debian python3-pysaml2), nobody here wrote it.

Three parties, as in the SAML ECP profile (saml-ecp-v2.0):
  * the SP: pysaml2's Saml2Client playing the AWS SP (entity ID urn:amazon:webservices, PAOS ACS
    https://signin.aws.amazon.com/saml). It makes the PAOS request (paos:Request + ecp:RelayState
    headers, samlp:AuthnRequest body) with create_ecp_authn_request(), which finds the IdP's ECP
    endpoint in the IdP metadata: a SingleSignOnService with the SOAP binding;
  * the ECP: pysaml2's saml2.ecp_client.Client, which unwraps the PAOS request and POSTs the
    AuthnRequest to that endpoint with HTTP Basic authentication (phase 2), then checks that the
    ecp:Response AssertionConsumerServiceURL equals the SP's responseConsumerURL;
  * phase 3 (the ECP forwarding the Response to the SP) is left to the caller: the exact Response
    bytes the IdP sent are printed (base64) for the SP peers to judge; see the comment in main().

Usage: /usr/bin/python3 pysaml2_ecp_client.py --metadata idp.xml --user NAME (password in $ECP_PASSWORD)
Prints one JSON object; exit 0 when the ECP conversation with the IdP succeeded, 1 when something refused, 2 on setup errors.
"""

import argparse
import base64
import json
import logging
import os
import re
import sys

AWS_ACS = 'https://signin.aws.amazon.com/saml'
AWS_SP = 'urn:amazon:webservices'
XMLSEC1 = '/usr/bin/xmlsec1'


def emit(out, code):
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--metadata', required=True)
    ap.add_argument('--user', required=True)
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    out = {'valid': False, 'error': None, 'phase': 'setup', 'idpEntityId': None, 'ecpEndpoint': None}
    try:
        from saml2 import BINDING_PAOS, BINDING_SOAP
        from saml2.client import Saml2Client
        from saml2.config import SPConfig
        from saml2.ecp_client import Client as EcpClient
        from saml2.mdstore import MetadataStore

        conf = {
            'entityid': AWS_SP,
            'xmlsec_binary': XMLSEC1,
            'metadata': {'local': [args.metadata]},
            'accepted_time_diff': 0,
            'service': {'sp': {
                'endpoints': {'assertion_consumer_service': [(AWS_ACS, BINDING_PAOS)]},
                # Sesame answers without InResponseTo (AWS is IdP-initiated only, E9).
                'allow_unsolicited': True,
                'want_assertions_signed': True,
                'want_response_signed': False,
                'authn_requests_signed': False,
                'allow_unknown_attributes': True,
            }},
        }
        cfg = SPConfig()
        cfg.load(conf)
        sp = Saml2Client(config=cfg)
        idp_entity_id = list(sp.metadata.keys())[0]
        out['idpEntityId'] = idp_entity_id
        out['ecpEndpoint'] = sp.pick_binding('single_sign_on_service', [BINDING_SOAP], entity_id=idp_entity_id)[1]
    except Exception as err:
        out['error'] = 'setup: %s: %s' % (type(err).__name__, err)
        emit(out, 2)

    sent = {}
    try:
        out['phase'] = 'sp-paos-request'
        req_id, paos_request = sp.create_ecp_authn_request(entityid=idp_entity_id, relay_state='ecp-relay')

        out['phase'] = 'ecp-to-idp'
        ecp = EcpClient(args.user, os.environ.get('ECP_PASSWORD', ''), metadata_file=args.metadata, xmlsec_binary=XMLSEC1)
        original_send = ecp.send

        def recording_send(url, method='GET', **kwargs):
            response = original_send(url, method, **kwargs)
            sent['status'] = response.status_code
            sent['contentType'] = response.headers.get('content-type')
            sent['body'] = response.text
            return response

        ecp.send = recording_send
        conversation = ecp.parse_sp_ecp_response(ecp.parse_soap_message(paos_request))
        idp_response = ecp.phase2(idp_entity_id=idp_entity_id, **conversation)
        out['idpHttpStatus'] = sent.get('status')
        out['idpContentType'] = sent.get('contentType')

        out['phase'] = 'ecp-to-sp'
        # Phase 3 would POST the Response on to the SP. pysaml2 cannot be the SP judge of that here:
        # its ECP client and its SOAP reader both re-serialise the Response with ElementTree (ns0:,
        # ns1:, ns2: prefixes), which changes the exclusive-C14N bytes any signature covers, whoever
        # signed it. So the exact bytes the IdP sent are handed back, for the SP peers to judge.
        match = re.search(r'<([A-Za-z_][\w.-]*:)?Body(?:\s[^>]*)?>(.*)</\1Body>', sent['body'], re.S)
        if not match:
            raise ValueError('no SOAP Body in the IdP answer')
        out.update({
            'valid': True,
            'phase': 'done',
            'ecpResponseAcs': conversation['rc_url'],
            'responseTag': idp_response.c_tag,
            'inResponseTo': idp_response.in_response_to,
            'authnRequestId': req_id,
            'samlResponse': base64.b64encode(match.group(2).encode('utf-8')).decode('ascii'),
        })
        emit(out, 0)
    except Exception as err:
        out['error'] = '%s: %s' % (type(err).__name__, err)
        out['idpHttpStatus'] = sent.get('status')
        emit(out, 1)


if __name__ == '__main__':
    main()
