/**
 * Wrappers that hand a SAMLResponse to independent SP implementations and return their verdict:
 *  - OneLogin python3-saml, strict mode   (test/peers/onelogin_sp.py, Debian python3-onelogin-saml2)
 *  - pysaml2                              (test/peers/pysaml2_sp.py,  Debian python3-pysaml2)
 *  - @node-saml/node-saml 5.1.0           (in-process)
 * Each plays the AWS console SP (entity ID urn:amazon:webservices, ACS https://signin.aws.amazon.com/saml).
 *
 * The Python peers run under /usr/bin/python3 on purpose: a pyenv/venv python on PATH cannot see
 * the Debian packages.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { SAML, type Profile } from '@node-saml/node-saml';
import { certificateFromMetadata } from './xmlsec';

export const SYSTEM_PYTHON = process.env.SESAME_TEST_PYTHON ?? '/usr/bin/python3';
export const AWS_CONSOLE_ACS = 'https://signin.aws.amazon.com/saml';
export const AWS_SP_ENTITY_ID = 'urn:amazon:webservices';

/** Walks up from `start` (default: this file's directory) to the directory holding package.json. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`findRepoRoot: no package.json above ${start}`);
    dir = parent;
  }
}

export interface PythonSpArgs {
  /** Our IdP metadata XML (what an admin uploads to IAM). */
  metadataXml: string;
  /** The SAMLResponse form value: standard base64 of the Response XML. */
  samlResponseB64: string;
  /** ACS URL the browser POSTs to; default https://signin.aws.amazon.com/saml. */
  acs?: string;
  /** SP entity ID / expected Audience; default urn:amazon:webservices. */
  spEntityId?: string;
  /** Also require a Response-level signature (wantMessagesSigned / want_response_signed). */
  wantMessagesSigned?: boolean;
}

/** The JSON contract printed by test/peers/*_sp.py, plus process details for failure messages. */
export interface PythonSpResult {
  valid: boolean;
  error: string | null;
  nameId: string | null;
  nameIdFormat: string | null;
  attributes: Record<string, string[]>;
  sessionIndex: string | null;
  issuers: string[];
  /** Response@Destination as the peer saw it (null if absent or rejected). */
  destination: string | null;
  audiences: string[];
  /** e.g. "python3-saml 1.12.0". */
  peer: string;
  /** 0 valid, 1 rejected, 2 setup error; null if the process did not exit normally. */
  exitCode: number | null;
  stderr: string;
}

/** OneLogin python3-saml, strict mode, IdP-initiated (no InResponseTo expected). */
export function runOneLoginSp(args: PythonSpArgs): Promise<PythonSpResult> {
  return runPythonSp('onelogin_sp.py', args);
}

/** pysaml2 Saml2Client with allow_unsolicited, want_assertions_signed. */
export function runPysaml2Sp(args: PythonSpArgs): Promise<PythonSpResult> {
  return runPythonSp('pysaml2_sp.py', args);
}

async function runPythonSp(script: string, args: PythonSpArgs): Promise<PythonSpResult> {
  const scriptPath = join(findRepoRoot(), 'test', 'peers', script);
  const dir = await mkdtemp(join(tmpdir(), 'sesame-peer-'));
  try {
    const metadataFile = join(dir, 'idp-metadata.xml');
    const responseFile = join(dir, 'saml-response.b64');
    await writeFile(metadataFile, args.metadataXml, 'utf8');
    await writeFile(responseFile, args.samlResponseB64, 'ascii');
    const argv = [scriptPath, '--metadata', metadataFile, '--response', responseFile];
    if (args.acs) argv.push('--acs', args.acs);
    if (args.spEntityId) argv.push('--sp-entity-id', args.spEntityId);
    if (args.wantMessagesSigned) argv.push('--want-messages-signed');

    const run = await new Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: string }>((resolve) => {
      execFile(SYSTEM_PYTHON, argv, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          resolve({ code: null, stdout: stdout ?? '', stderr: stderr ?? '', spawnError: err.message });
          return;
        }
        const code = err ? ((err as { code?: number | null }).code ?? null) : 0;
        resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
      });
    });
    if (run.spawnError) throw new Error(`${script}: could not start ${SYSTEM_PYTHON}: ${run.spawnError}`);

    const lastLine = run.stdout.trim().split('\n').pop() ?? '';
    let parsed: Omit<PythonSpResult, 'exitCode' | 'stderr'>;
    try {
      parsed = JSON.parse(lastLine);
    } catch {
      throw new Error(`${script} printed no JSON (exit ${run.code}).\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    }
    if (run.code === 2) {
      // A setup failure says nothing about the response; never let it look like a rejection.
      throw new Error(`${script} setup error: ${parsed.error}\nstderr:\n${run.stderr}`);
    }
    const result: PythonSpResult = { ...parsed, exitCode: run.code, stderr: run.stderr.replaceAll(dir, '<tmp>') };
    if (result.valid !== (run.code === 0)) {
      throw new Error(`${script}: exit code ${run.code} contradicts valid=${result.valid}`);
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface NodeSamlSpArgs {
  /** Our IdP metadata; its entityID becomes node-saml's idpIssuer. */
  metadataXml: string;
  /** Trusted IdP certificate (PEM). Default: first signing cert in `metadataXml`. */
  certPem?: string;
  samlResponseB64: string;
  /** callbackUrl; default https://signin.aws.amazon.com/saml. */
  acs?: string;
  /** Expected Audience; default urn:amazon:webservices. */
  audience?: string;
  /** Also require a valid Response-level signature; default false. */
  wantAuthnResponseSigned?: boolean;
  /** Clock skew tolerance; default 0 (AWS documents none, rule T4). */
  acceptedClockSkewMs?: number;
}

export interface NodeSamlSpResult {
  valid: boolean;
  error: string | null;
  profile: Profile | null;
}

/**
 * @node-saml/node-saml 5.1.0 as an SP. It reads the profile only from signed references
 * (CVE-2025-54419 fix) and checks signature, Issuer (idpIssuer), Audience and timestamps; it does
 * NOT check Response@Destination or SubjectConfirmationData@Recipient — assert those separately.
 */
export async function runNodeSamlSp(args: NodeSamlSpArgs): Promise<NodeSamlSpResult> {
  const acs = args.acs ?? AWS_CONSOLE_ACS;
  const idpIssuer = entityIdFromMetadata(args.metadataXml);
  const saml = new SAML({
    idpCert: args.certPem ?? certificateFromMetadata(args.metadataXml),
    issuer: AWS_SP_ENTITY_ID,
    callbackUrl: acs,
    audience: args.audience ?? AWS_SP_ENTITY_ID,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: args.wantAuthnResponseSigned ?? false,
    // Only used to build AuthnRequests, which AWS never receives; required by the constructor path.
    entryPoint: 'https://idp.invalid/sso-not-used-by-aws',
    idpIssuer,
    acceptedClockSkewMs: args.acceptedClockSkewMs ?? 0,
  });
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: args.samlResponseB64 });
    if (!profile) return { valid: false, error: 'node-saml returned no profile', profile: null };
    return { valid: true, error: null, profile };
  } catch (e) {
    return { valid: false, error: e instanceof Error ? e.message : String(e), profile: null };
  }
}

/** entityID of the (first) md:EntityDescriptor. */
export function entityIdFromMetadata(metadataXml: string): string {
  const fail = (msg: string): never => {
    throw new Error(`entityIdFromMetadata: ${msg}`);
  };
  const doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(metadataXml, 'text/xml');
  const eds = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'EntityDescriptor');
  const entityId = eds.length > 0 ? eds[0].getAttribute('entityID') : null;
  if (!entityId) throw new Error('entityIdFromMetadata: no md:EntityDescriptor@entityID');
  return entityId;
}
