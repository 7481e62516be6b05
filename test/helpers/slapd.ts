/**
 * A real OpenLDAP server (Debian slapd) for tests: generated slapd.conf in a temp dir, mdb backend,
 * the memberof overlay, ldap:// and ldaps:// on free loopback ports (TLS certificate from openssl,
 * with IP and DNS names for 127.0.0.1/localhost), seeded with ldapadd. Nothing touches /etc/ldap
 * except reading its schema files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './sesameProcess';

export const SLAPD_BINARY = process.env.SLAPD ?? '/usr/sbin/slapd';
export const LDAP_SUFFIX = 'dc=example,dc=org';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
const ROOT_PASSWORD = 'root-secret-for-tests';
/** The service account Sesame searches with (search-then-bind). */
export const LDAP_READER_DN = `cn=reader,${LDAP_SUFFIX}`;
export const LDAP_READER_PASSWORD = 'reader-secret-for-tests';

export interface Slapd {
  ldapUrl: string;
  ldapsUrl: string;
  /** PEM of the server's self-signed certificate: the CA file clients trust. */
  caFile: string;
  dir: string;
  /** Stops the server (the directory "goes down"); start() brings it back with the same data and ports. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Stops and removes everything. */
  destroy: () => Promise<void>;
  ldapadd: (ldif: string) => void;
  ldapmodify: (ldif: string) => void;
}

function slapdConf(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCertificateFile ${dir}/tls-cert.pem
TLSCertificateKeyFile ${dir}/tls-key.pem
database mdb
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${ROOT_PASSWORD}
directory ${dir}/db
maxsize 16777216
overlay memberof
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by dn.exact="${LDAP_READER_DN}" read by self read by * none
`;
}

function run(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function waitForPort(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = spawnSync('ldapsearch', ['-x', '-H', url, '-b', '', '-s', 'base', '-LLL', '(objectClass=*)', 'namingContexts'], { encoding: 'utf8', timeout: 5_000 });
    if (probe.status === 0) return;
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}: ${log()}`);
    // On Ubuntu an enforcing AppArmor profile for /usr/sbin/slapd can forbid reading a config in /tmp.
    if (Date.now() > deadline) throw new Error(`slapd did not answer on ${url} (AppArmor confining slapd?): ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts slapd on loopback and seeds it with `seedLdif` (the base entries under LDAP_SUFFIX are added first). */
export async function startSlapd(seedLdif: string): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', path.join(dir, 'tls-key.pem'), '-out', path.join(dir, 'tls-cert.pem'),
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  fs.writeFileSync(path.join(dir, 'slapd.conf'), slapdConf(dir));
  const ldapPort = await freePort();
  const ldapsPort = await freePort();
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    // -d 0: stay in the foreground (so the test owns the process) without debug output.
    child = spawn(SLAPD_BINARY, ['-d', '0', '-h', `${ldapUrl}/ ${ldapsUrl}/`, '-f', path.join(dir, 'slapd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForPort(ldapUrl, child, () => output);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };
  const ldapadd = (ldif: string) => {
    run('ldapadd', ['-x', '-H', ldapUrl, '-D', LDAP_ROOT_DN, '-w', ROOT_PASSWORD], ldif);
  };

  const ldapmodify = (ldif: string) => {
    run('ldapmodify', ['-x', '-H', ldapUrl, '-D', LDAP_ROOT_DN, '-w', ROOT_PASSWORD], ldif);
  };

  await start();
  ldapadd(`dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: ${LDAP_READER_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: ${LDAP_READER_PASSWORD}
`);
  if (seedLdif.trim()) ldapadd(seedLdif);
  return {
    ldapUrl,
    ldapsUrl,
    caFile: path.join(dir, 'tls-cert.pem'),
    dir,
    stop,
    start,
    ldapadd,
    ldapmodify,
    destroy: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** People and groups shared by the LDAP tests; passwords are in DIRECTORY_PASSWORDS. */
export const DIRECTORY_PASSWORDS = {
  dora: 'dora-directory-pass',
  eric: 'eric-directory-pass',
  frank: 'frank-directory-pass',
  'grace+ops': 'grace-directory-pass',
} as const;

export const DIRECTORY_SEED = `dn: uid=dora,ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: dora
cn: Dora Directory
sn: Directory
displayName: Dora Directory
mail: dora@example.org
userPassword: ${DIRECTORY_PASSWORDS.dora}

dn: uid=eric,ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: eric
cn: Eric Disabled
sn: Disabled
employeeType: disabled
mail: eric@example.org
userPassword: ${DIRECTORY_PASSWORDS.eric}

dn: uid=frank,ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: frank
cn: Frank Nogroups
sn: Nogroups
userPassword: ${DIRECTORY_PASSWORDS.frank}

dn: uid=grace\\+ops,ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: grace+ops
cn: Grace Plus
sn: Plus
userPassword: ${DIRECTORY_PASSWORDS['grace+ops']}

dn: cn=aws-admins,ou=groups,${LDAP_SUFFIX}
objectClass: groupOfNames
cn: aws-admins
member: uid=dora,ou=people,${LDAP_SUFFIX}
member: uid=eric,ou=people,${LDAP_SUFFIX}

dn: cn=developers,ou=groups,${LDAP_SUFFIX}
objectClass: groupOfNames
cn: developers
member: uid=grace\\+ops,ou=people,${LDAP_SUFFIX}
member: uid=dora,ou=people,${LDAP_SUFFIX}
`;
