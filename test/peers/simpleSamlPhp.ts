/**
 * SimpleSAMLphp 1.19 (Debian `simplesamlphp`) as a real, running SP, served by PHP's built-in
 * server on a free loopback port from a temp configuration: a saml:SP authsource named
 * "default-sp" that trusts Sesame through Sesame's own /saml/metadata (loaded as an XML metadata
 * source), signs its AuthnRequests and LogoutRequests with RSA-SHA256, and shows the released
 * attributes on core/authenticate.php after sign-in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestKeyPair } from '../helpers/fixtureResponse';
import { freePort } from '../helpers/sesameProcess';

export const SIMPLESAMLPHP_WWW = '/usr/share/simplesamlphp/www';
export const PHP_BINARY = '/usr/bin/php';

export function simpleSamlPhpAvailable(): boolean {
  return existsSync(SIMPLESAMLPHP_WWW) && existsSync(PHP_BINARY);
}

export interface SimpleSamlPhpSp {
  baseUrl: string;
  entityId: string;
  /** Where a user starts a login: core's test page for the default-sp authsource. */
  loginUrl: string;
  metadataUrl: string;
  logoutUrl: string;
  log: () => string;
  stop: () => Promise<void>;
}

const phpString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function startSimpleSamlPhp(idpMetadataXml: string): Promise<SimpleSamlPhpSp> {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-ssp-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  for (const sub of ['config', 'cert', 'log', 'data', 'tmp', 'sessions', 'metadata']) mkdirSync(join(dir, sub));
  const keyPair = generateTestKeyPair('simplesamlphp-sp');
  writeFileSync(join(dir, 'cert', 'sp.key'), keyPair.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'cert', 'sp.crt'), keyPair.certPem);
  writeFileSync(join(dir, 'metadata', 'sesame-idp.xml'), idpMetadataXml);
  const entityId = `${baseUrl}/module.php/saml/sp/metadata.php/default-sp`;
  const idpEntityId = /entityID="([^"]+)"/.exec(idpMetadataXml)![1]!;
  writeFileSync(
    join(dir, 'config', 'config.php'),
    `<?php
$config = [
    'baseurlpath' => ${phpString(baseUrl + '/')},
    'certdir' => ${phpString(join(dir, 'cert') + '/')},
    'loggingdir' => ${phpString(join(dir, 'log') + '/')},
    'datadir' => ${phpString(join(dir, 'data') + '/')},
    'tempdir' => ${phpString(join(dir, 'tmp'))},
    'secretsalt' => ${phpString(randomBytes(24).toString('hex'))},
    'auth.adminpassword' => ${phpString(randomBytes(24).toString('hex'))},
    'technicalcontact_name' => 'Sesame tests',
    'technicalcontact_email' => 'na@example.org',
    'timezone' => 'UTC',
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'trusted.url.domains' => ['127.0.0.1:${port}'],
    'showerrors' => true,
    'errorreporting' => false,
    'logging.level' => SimpleSAML\\Logger::DEBUG,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => false,
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'session.phpsession.savepath' => ${phpString(join(dir, 'sessions'))},
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,
    'store.type' => 'phpsession',
    'production' => false,
    'metadata.sources' => [['type' => 'xml', 'file' => ${phpString(join(dir, 'metadata', 'sesame-idp.xml'))}]],
    'module.enable' => ['core' => true, 'saml' => true, 'admin' => true],
];
`,
  );
  writeFileSync(
    join(dir, 'config', 'authsources.php'),
    `<?php
$config = [
    'default-sp' => [
        'saml:SP',
        'entityID' => ${phpString(entityId)},
        'idp' => ${phpString(idpEntityId)},
        'privatekey' => 'sp.key',
        'certificate' => 'sp.crt',
        'sign.authnrequest' => true,
        'sign.logout' => true,
        'redirect.sign' => true,
        'validate.logout' => true,
        'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        'NameIDPolicy' => ['Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'AllowCreate' => true],
    ],
];
`,
  );
  const child: ChildProcess = spawn(PHP_BINARY, ['-d', `session.save_path=${join(dir, 'sessions')}`, '-d', 'display_errors=stderr', '-S', `127.0.0.1:${port}`, '-t', SIMPLESAMLPHP_WWW], {
    env: { PATH: process.env.PATH, SIMPLESAMLPHP_CONFIG_DIR: join(dir, 'config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`php -S exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${baseUrl}/module.php/saml/sp/metadata.php/default-sp`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`SimpleSAMLphp did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    baseUrl,
    entityId,
    loginUrl: `${baseUrl}/module.php/core/authenticate.php?as=default-sp`,
    metadataUrl: `${baseUrl}/module.php/saml/sp/metadata.php/default-sp`,
    logoutUrl: `${baseUrl}/module.php/core/authenticate.php?as=default-sp&logout`,
    log: () => {
      const file = join(dir, 'log', 'simplesamlphp.log');
      return output + (existsSync(file) ? readFileSync(file, 'utf8') : '');
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser for flows that cross sites: a cookie jar per host (cookies ignore the port, as in
 * browsers), redirects followed one hop at a time, and auto-submitting SAML forms submitted.
 */
export class CrossSiteBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every URL visited, in order: the path a login took. */
  readonly visited: string[] = [];

  private jar(url: URL): Map<string, string> {
    let jar = this.jars.get(url.hostname);
    if (!jar) this.jars.set(url.hostname, (jar = new Map()));
    return jar;
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; url: string; headers: Headers; body: string }> {
    const target = new URL(url);
    const jar = this.jar(target);
    this.visited.push(`${init.method ?? 'GET'} ${url}`);
    const response = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; '),
        accept: 'text/html',
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '' || value === 'deleted') jar.delete(name);
      else jar.set(name, value);
    }
    return { status: response.status, url, headers: response.headers, body: await response.text() };
  }

  /** Follows redirects and SAML auto-post forms until a page that is neither, or `stop` says so. */
  async follow(url: string, stop: (page: { status: number; url: string; body: string }) => boolean = () => false, init: { method?: string; form?: Record<string, string> } = {}) {
    let page = await this.request(url, init);
    for (let hops = 0; hops < 25; hops++) {
      if (stop(page)) return page;
      const location = page.headers.get('location');
      if (page.status >= 300 && page.status < 400 && location) {
        page = await this.request(new URL(location, page.url).toString());
        continue;
      }
      const form = /<form[^>]*id="saml-post"[^>]*action="([^"]*)"/.exec(page.body) ?? /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(?=[\s\S]*name="SAML(?:Request|Response)")/i.exec(page.body);
      if (page.status === 200 && form) {
        const fields: Record<string, string> = {};
        for (const m of page.body.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]!] = decodeEntities(m[2]!);
        for (const m of page.body.matchAll(/<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"/g)) fields[m[1]!] = decodeEntities(m[2]!);
        page = await this.request(new URL(decodeEntities(form[1]!), page.url).toString(), { method: 'POST', form: fields });
        continue;
      }
      return page;
    }
    throw new Error(`too many redirects:\n${this.visited.join('\n')}`);
  }
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;|&#039;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}
