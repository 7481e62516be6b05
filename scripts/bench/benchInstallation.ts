import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureSigningKey, type SigningKey } from '../../src/saml/keys/signingKey';
import { AdminService } from '../../src/admin/adminService';
import type { Store } from '../../src/store/store';

/** The AWS setup every phase uses, so all figures describe the same response. */
export const BENCH_AWS_SIGNIN_URL = 'https://signin.aws.amazon.com/saml';
export const BENCH_AWS_AUDIENCE = 'urn:amazon:webservices';
export const BENCH_GROUP = 'bench-developers';
/** Two roles (AWS shows its picker, E10) with a session duration: Role ×2, RoleSessionName, SessionDuration. */
export const BENCH_GRANTS = [
  { roleArn: 'arn:aws:iam::111122223333:role/Developer', providerArn: 'arn:aws:iam::111122223333:saml-provider/Sesame', duration: 28800, label: 'Dev' },
  { roleArn: 'arn:aws:iam::111122223333:role/ReadOnly', providerArn: 'arn:aws:iam::111122223333:saml-provider/Sesame', duration: 28800, label: 'Read' },
];

/** A throwaway installation: one signing key shared by every phase, a data directory per use. */
export interface BenchInstallation {
  dir: string;
  keyPath: string;
  certPath: string;
  key: SigningKey;
  keyPem: string;
  dataDir(name: string): string;
  remove(): void;
}

export async function createBenchInstallation(): Promise<BenchInstallation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
  const keyPath = path.join(dir, 'certs', 'signing-key.pem');
  const certPath = path.join(dir, 'certs', 'signing-cert.pem');
  // Generated exactly as Sesame generates its own on first start: RSA 2048, the default.
  const { key } = await ensureSigningKey({ keyPath, certPath, commonName: 'Sesame IdP bench' });
  return {
    dir,
    keyPath,
    certPath,
    key,
    keyPem: fs.readFileSync(keyPath, 'utf8'),
    dataDir: (name) => path.join(dir, name),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface BenchUser {
  username: string;
  password: string;
}

/**
 * Creates `count` users in one group holding the bench grants, through AdminService (the code behind
 * the `sesame` command), with real scrypt hashes. Hashing runs a few at a time on the thread pool.
 */
export async function provisionBenchUsers(store: Store, count: number): Promise<BenchUser[]> {
  const admin = new AdminService(store, 'cli:bench');
  if (!(await store.findGroupByName(BENCH_GROUP))) {
    await admin.addGroup(BENCH_GROUP, 'created by npm run bench');
    for (const grant of BENCH_GRANTS) {
      await admin.addGrant({ group: BENCH_GROUP, roleArn: grant.roleArn, providerArn: grant.providerArn, duration: grant.duration, label: grant.label });
    }
  }
  const users: BenchUser[] = Array.from({ length: count }, (_, i) => ({
    username: `bench${String(i).padStart(4, '0')}`,
    password: randomBytes(18).toString('base64url'),
  }));
  const batch = 4;
  for (let i = 0; i < users.length; i += batch) {
    await Promise.all(
      users.slice(i, i + batch).map(async (user) => {
        await admin.addUser({ username: user.username, email: `${user.username}@bench.example`, isAdmin: false, password: user.password });
        await admin.addMember(BENCH_GROUP, user.username);
      }),
    );
  }
  return users;
}
