/**
 * A real Sesame for the STS and doctor proofs: started as a process, set up with the real `sesame`
 * command, and asked for assertions through the browser sign-in like an employee would.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BrowserSession, hiddenField, signIn } from '../../helpers/browserSession';
import { sesameCli, startSesame, type SesameInstance } from '../../helpers/sesameProcess';

export const ACCOUNT = '111122223333';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/Sesame`;
export const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/Developer`;
export const AUDITOR = `arn:aws:iam::${ACCOUNT}:role/Auditor`;
export const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/Operator`;
export const ALICE = { username: 'alice', email: 'alice@example.com', password: 'correct horse battery staple' };

export interface IdpFixture {
  idp: SesameInstance;
  metadataXml: string;
  /** The IdP's signing key (PEM), to play a misconfigured IdP that signs a wrong value. */
  signingKeyPem: string;
}

/**
 * Alice belongs to "developers", granted Developer (SessionDuration 3600) and Auditor (900).
 * Operator exists in the account but is granted to nobody.
 */
export async function startIdpWithGrants(extraEnv: Record<string, string> = {}): Promise<IdpFixture> {
  // One worker process is enough here and spares the shared test machine.
  const idp = await startSesame({ SESAME_WORKERS: '1', ...extraEnv });
  try {
    const cli = (args: string[], stdin?: string) => {
      const result = sesameCli(idp, args, stdin);
      assert.equal(result.status, 0, `sesame ${args.join(' ')}: ${result.stderr}`);
    };
    cli(['user', 'add', ALICE.username, '--email', ALICE.email, '--password-stdin'], ALICE.password);
    cli(['group', 'add', 'developers']);
    cli(['group', 'add-member', 'developers', ALICE.username]);
    cli(['grant', 'add', '--group', 'developers', '--role-arn', DEVELOPER, '--provider-arn', PROVIDER_ARN, '--duration', '3600', '--label', 'Dev']);
    cli(['grant', 'add', '--group', 'developers', '--role-arn', AUDITOR, '--provider-arn', PROVIDER_ARN, '--duration', '900', '--label', 'Audit']);
    const metadata = await fetch(`${idp.baseUrl}/saml/metadata`);
    assert.equal(metadata.status, 200);
    return { idp, metadataXml: await metadata.text(), signingKeyPem: fs.readFileSync(path.join(idp.dir, 'certs', 'signing-key.pem'), 'utf8') };
  } catch (error) {
    // A half-set-up IdP must not outlive the test file.
    await idp.stop();
    throw error;
  }
}

/** Signs in through the real form and returns the SAMLResponse the portal would POST to AWS for `roleArn`. */
export async function assertionFor(idp: SesameInstance, roleArn: string, user = ALICE): Promise<string> {
  const browser = new BrowserSession(idp.baseUrl);
  const login = await signIn(browser, user.username, user.password);
  assert.equal(login.status, 303, `sign-in failed: ${login.body.slice(0, 200)}`);
  const page = await browser.get(`/aws/sso?role=${encodeURIComponent(roleArn)}`);
  assert.equal(page.status, 200, page.body.slice(0, 300));
  const samlResponse = hiddenField(page.body, 'SAMLResponse');
  assert.ok(samlResponse, 'the SSO page carries a SAMLResponse');
  return samlResponse;
}

export const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
export const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
