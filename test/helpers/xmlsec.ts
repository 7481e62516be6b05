/**
 * Independent signature check with the xmlsec1 command-line tool (libxmlsec1 + OpenSSL), a second
 * XML-DSig implementation next to xml-crypto, so a canonicalization or reference bug in the Node
 * stack cannot pass unnoticed.
 *
 * Flags, for xmlsec1 1.2.37 (`xmlsec1 --help-verify`):
 *  --enabled-reference-uris same-doc   only `#id` references; no `""`, file or remote URIs.
 *  --enabled-key-data raw-x509-cert    KeyInfo may NOT supply the key. Without this, xmlsec1 happily
 *                                      uses a <ds:KeyValue><ds:RSAKeyValue> embedded by the attacker
 *                                      and reports OK even though --pubkey-cert-pem names our cert
 *                                      (verified here; pysaml2 passes the same flag for that reason).
 *  --id-attr:ID <ns>:Response / <ns>:Assertion   SAML's ID attribute is not a DTD ID, so declare it.
 *  --node-xpath <xpath to the ds:Signature>      which signature to check. Without it xmlsec1 checks
 *                                      the FIRST ds:Signature in document order (the Response one
 *                                      when both are signed). Note --node-id <ID> is a trap: it picks
 *                                      the first Signature *inside* that element, so `--node-id
 *                                      <ResponseID>` silently checks the Assertion signature when the
 *                                      Response itself is unsigned. xmlsec1 only registers the
 *                                      namespace prefixes declared on the root element for XPath, so
 *                                      the expressions below use local-name()/namespace-uri().
 *
 * xmlsec1 proves only "this Signature verifies with this key". It does not say WHAT was signed, so
 * when `node` is given we also require that the chosen Signature has exactly one Reference and that
 * it points at its own parent element (whose ID must be unique in the document): an enveloped
 * signature over the Response/Assertion that holds it, not over some other element (wrapping).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';

export const XMLSEC1_BINARY = process.env.XMLSEC1 ?? 'xmlsec1';

const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const NS_MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

const RESPONSE_SIGNATURE_XPATH =
  `/*[local-name()='Response' and namespace-uri()='${NS_SAMLP}']` +
  `/*[local-name()='Signature' and namespace-uri()='${NS_DS}']`;
const ASSERTION_SIGNATURE_XPATH =
  `/*[local-name()='Response' and namespace-uri()='${NS_SAMLP}']` +
  `/*[local-name()='Assertion' and namespace-uri()='${NS_SAML}']` +
  `/*[local-name()='Signature' and namespace-uri()='${NS_DS}']`;

export interface XmlsecVerifyOptions {
  /** Name of the ID attribute on Response/Assertion; default `ID`. */
  idAttr?: string;
  /**
   * Which signature to verify: the Response's own (`/samlp:Response/ds:Signature`) or the
   * Assertion's (`/samlp:Response/saml:Assertion/ds:Signature`). Omitted: the first ds:Signature
   * in document order, as plain xmlsec1 does, with no reference check.
   */
  node?: 'Response' | 'Assertion';
}

export interface XmlsecVerifyResult {
  ok: boolean;
  /** xmlsec1's stdout+stderr, plus our reference-check verdict when `node` was given. */
  output: string;
}

/** Verifies one XML-DSig signature in `xml` with xmlsec1, trusting only `certPem`. */
export async function verifyWithXmlsec1(xml: string, certPem: string, opts: XmlsecVerifyOptions = {}): Promise<XmlsecVerifyResult> {
  const idAttr = opts.idAttr ?? 'ID';
  const dir = await mkdtemp(join(tmpdir(), 'sesame-xmlsec1-'));
  try {
    const docFile = join(dir, 'document.xml');
    const certFile = join(dir, 'idp-cert.pem');
    await writeFile(docFile, xml, 'utf8');
    await writeFile(certFile, normalizeCertPem(certPem), 'utf8');

    const args = [
      '--verify',
      '--enabled-reference-uris', 'same-doc',
      '--enabled-key-data', 'raw-x509-cert',
      `--id-attr:${idAttr}`, `${NS_SAMLP}:Response`,
      `--id-attr:${idAttr}`, `${NS_SAML}:Assertion`,
      '--pubkey-cert-pem', certFile,
    ];
    if (opts.node === 'Response') args.push('--node-xpath', RESPONSE_SIGNATURE_XPATH);
    if (opts.node === 'Assertion') args.push('--node-xpath', ASSERTION_SIGNATURE_XPATH);
    args.push(docFile);

    const run = await execFileCollect(XMLSEC1_BINARY, args);
    let ok = run.code === 0;
    let output = `$ xmlsec1 ${args.join(' ')}\n${run.stdout}${run.stderr}`.replaceAll(dir, '<tmp>');
    if (run.spawnError) {
      ok = false;
      output += `\ncould not run ${XMLSEC1_BINARY}: ${run.spawnError}`;
    }
    if (ok && opts.node) {
      const problem = checkEnvelopedReference(xml, opts.node, idAttr);
      if (problem) {
        ok = false;
        output += `\nreference check FAILED: ${problem}`;
      } else {
        output += `\nreference check OK: the ${opts.node} signature references its own ${opts.node}`;
      }
    }
    return { ok, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * PEM of the first signing certificate in SAML metadata: the first `md:KeyDescriptor` whose `use`
 * is `signing` or absent, under the first `md:IDPSSODescriptor` (or anywhere, if there is none).
 */
export function certificateFromMetadata(metadataXml: string): string {
  const doc = parseStrict(metadataXml);
  const idpDescriptors = doc.getElementsByTagNameNS(NS_MD, 'IDPSSODescriptor');
  const scope: Document | Element = idpDescriptors.length > 0 ? idpDescriptors[0] : doc;
  const keyDescriptors = scope.getElementsByTagNameNS(NS_MD, 'KeyDescriptor');
  for (let i = 0; i < keyDescriptors.length; i++) {
    const kd = keyDescriptors[i];
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    const certs = kd.getElementsByTagNameNS(NS_DS, 'X509Certificate');
    if (certs.length === 0) continue;
    const body = (certs[0].textContent ?? '').replace(/\s+/g, '');
    if (body) return toCertPem(body);
  }
  throw new Error('certificateFromMetadata: no signing X509Certificate in the metadata');
}

/** Wraps a base64 DER certificate body as PEM with 64-character lines. */
export function toCertPem(base64Body: string): string {
  const body = base64Body.replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function normalizeCertPem(certPem: string): string {
  return certPem.includes('-----BEGIN') ? certPem : toCertPem(certPem);
}

/** Returns a problem description, or null when the chosen signature is enveloped in what it signs. */
function checkEnvelopedReference(xml: string, node: 'Response' | 'Assertion', idAttr: string): string | null {
  let doc: Document;
  try {
    doc = parseStrict(xml);
  } catch (e) {
    return `xmldom could not parse the document: ${(e as Error).message}`;
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS_SAMLP || root.localName !== 'Response') return 'root is not samlp:Response';
  let owner: Element | null = root;
  if (node === 'Assertion') {
    const assertions = childElements(root, NS_SAML, 'Assertion');
    if (assertions.length !== 1) return `expected one saml:Assertion child of the Response, found ${assertions.length}`;
    owner = assertions[0];
  }
  const signatures = childElements(owner, NS_DS, 'Signature');
  if (signatures.length !== 1) return `expected one ds:Signature child of the ${node}, found ${signatures.length}`;
  const signedInfos = childElements(signatures[0], NS_DS, 'SignedInfo');
  if (signedInfos.length !== 1) return `expected one ds:SignedInfo, found ${signedInfos.length}`;
  const references = childElements(signedInfos[0], NS_DS, 'Reference');
  if (references.length !== 1) return `expected one ds:Reference, found ${references.length}`;
  const uri = references[0].getAttribute('URI') ?? '';
  const id = owner.getAttribute(idAttr) ?? '';
  if (!id) return `the ${node} has no ${idAttr} attribute`;
  if (uri !== `#${id}`) return `Reference URI ${JSON.stringify(uri)} does not point at the ${node} (${idAttr}=${JSON.stringify(id)})`;
  let sameId = 0;
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    for (const name of ['ID', 'Id', 'id', idAttr]) {
      if (el.getAttribute(name) === id) {
        sameId++;
        break;
      }
    }
  }
  if (sameId !== 1) return `ID ${JSON.stringify(id)} occurs on ${sameId} elements`;
  return null;
}

function childElements(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      const el = n as Element;
      if (el.namespaceURI === ns && el.localName === localName) out.push(el);
    }
  }
  return out;
}

/** xmldom with every warning/error made fatal (security-notes §2.2). */
function parseStrict(xml: string): Document {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const parser = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } });
  const doc = parser.parseFromString(xml, 'text/xml');
  if (!doc || !doc.documentElement) throw new Error('not an XML document');
  return doc;
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function execFileCollect(file: string, args: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        // ENOENT and friends: the program could not be started at all.
        resolve({ code: null, stdout: stdout ?? '', stderr: stderr ?? '', spawnError: err.message });
        return;
      }
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}
