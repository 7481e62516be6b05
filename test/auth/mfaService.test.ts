import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqliteStore';
import { SqliteMfaStore } from '../../src/store/sqliteMfaStore';
import { MfaInputError, MfaService } from '../../src/auth/mfaService';
import { totpCode, totpStep } from '../../src/auth/totp';
import type { UserRecord } from '../../src/store/store';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-mfa-test-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

describe('MfaService (TOTP + recovery codes + policy + throttle)', () => {
  let store: SqliteStore;
  let mfa: MfaService;
  let now: number;
  let alice: UserRecord;
  let bob: UserRecord;

  beforeEach(async () => {
    store = SqliteStore.open(path.join(tmpRoot, `data-${++counter}`));
    now = 1_800_000_000_000;
    mfa = new MfaService(new SqliteMfaStore(store.db), store, { issuer: 'Sesame (test)', pepper: 'test-pepper' }, () => now);
    alice = await store.createUser({ username: 'alice', displayName: 'Alice', email: null, passwordHash: null, isAdmin: false });
    bob = await store.createUser({ username: 'bob', displayName: 'Bob', email: null, passwordHash: null, isAdmin: false });
  });

  async function enrol(user: UserRecord): Promise<{ secret: string; codes: string[] }> {
    const { secret } = mfa.startEnrolment(user);
    const codes = await mfa.confirmEnrolment(user, secret, totpCode(secret, totpStep(now)), '127.0.0.1', 'test');
    now += 30_000; // the confirmation code's step is spent
    return { secret, codes };
  }

  it('nobody needs a second factor until they enrol or a group requires it', async () => {
    assert.equal(await mfa.isRequired(alice), false);
    const ops = await store.createGroup('ops', null);
    await store.addMember(ops.id, alice.id);
    await mfa.setGroupRequired(ops, true, 'admin', null);
    assert.equal(await mfa.isRequired(alice), true, 'policy: required for members');
    assert.equal(await mfa.mustEnrol(alice), true, 'not enrolled yet, so enrolment comes first');
    assert.equal(await mfa.isRequired(bob), false, 'not a member');
    await enrol(bob);
    assert.equal(await mfa.isRequired(bob), true, 'an enrolled user always gives it');
    assert.deepEqual((await mfa.status(alice)).requiredByGroups, ['ops']);
  });

  it('enrolment needs a code for the new secret; a wrong one stores nothing', async () => {
    const { secret } = mfa.startEnrolment(alice);
    const wrong = totpCode(secret, totpStep(now) + 5);
    await assert.rejects(mfa.confirmEnrolment(alice, secret, wrong, 'ip', 'test'), MfaInputError);
    assert.equal(await mfa.isEnrolled(alice), false);
    const codes = await mfa.confirmEnrolment(alice, secret, totpCode(secret, totpStep(now)), 'ip', 'test');
    assert.equal(codes.length, 10);
    assert.equal((await mfa.status(alice)).recoveryCodesLeft, 10);
    const stored = store.db.prepare('SELECT code_hash FROM mfa_recovery_codes WHERE user_id = ?').all(alice.id) as Array<{ code_hash: string }>;
    for (const code of codes) assert.ok(!stored.some((r) => r.code_hash.includes(code.replace(/-/g, ''))), 'only hashes are stored');
  });

  it('the confirmation code cannot be replayed to finish a sign-in', async () => {
    const { secret } = mfa.startEnrolment(alice);
    const code = totpCode(secret, totpStep(now));
    await mfa.confirmEnrolment(alice, secret, code, 'ip', 'test');
    assert.equal(await mfa.verify(alice, code, 'ip', 'test'), 'invalid');
  });

  it('a TOTP code works once: the same code again is refused as a replay', async () => {
    const { secret } = await enrol(alice);
    const code = totpCode(secret, totpStep(now));
    assert.equal(await mfa.verify(alice, code, 'ip', 'browser'), 'ok');
    assert.equal(await mfa.verify(alice, code, 'ip', 'browser'), 'invalid', 'replayed');
    const previous = totpCode(secret, totpStep(now) - 1);
    assert.equal(await mfa.verify(alice, previous, 'ip', 'browser'), 'invalid', 'an earlier step after a later one is a replay too');
    const audit = await store.listAudit({ event: 'mfa.failure', limit: 10 });
    assert.ok(audit.some((a) => a.details.reason === 'replayed_code'));
    assert.ok(!JSON.stringify(audit).includes(code), 'codes are never audited');
  });

  it('codes of other users, other steps and other formats are refused', async () => {
    const { secret } = await enrol(alice);
    const { secret: bobSecret } = await enrol(bob);
    assert.equal(await mfa.verify(alice, totpCode(bobSecret, totpStep(now)), 'ip', 'b'), 'invalid');
    assert.equal(await mfa.verify(alice, totpCode(secret, totpStep(now) + 3), 'ip', 'b'), 'invalid');
    assert.equal(await mfa.verify(alice, 'not a code', 'ip', 'b'), 'invalid');
    assert.equal(await mfa.verify(alice, '', 'ip', 'b'), 'invalid');
  });

  it('a recovery code works once, in any case or spacing', async () => {
    const { codes } = await enrol(alice);
    assert.equal(await mfa.verify(alice, codes[3]!.toUpperCase().replace(/-/g, ' '), 'ip', 'browser'), 'ok');
    assert.equal(await mfa.verify(alice, codes[3]!, 'ip', 'browser'), 'invalid', 'reuse is refused');
    assert.equal((await mfa.status(alice)).recoveryCodesLeft, 9);
    const fresh = await mfa.regenerateRecoveryCodes(alice, 'ip');
    assert.equal(await mfa.verify(alice, codes[4]!, 'ip', 'browser'), 'invalid', 'old codes die with regeneration');
    assert.equal(await mfa.verify(alice, fresh[0]!, 'ip', 'browser'), 'ok');
  });

  it('locks after 5 wrong codes for 15 minutes, even for the right code, then lets the user in', async () => {
    const { secret } = await enrol(alice);
    const wrong = totpCode(secret, totpStep(now) + 7);
    for (let i = 0; i < 5; i++) assert.equal(await mfa.verify(alice, wrong, 'ip', 'b'), 'invalid');
    assert.equal(await mfa.verify(alice, totpCode(secret, totpStep(now)), 'ip', 'b'), 'locked');
    assert.ok((await mfa.retryAfter(alice)) > 14 * 60);
    assert.equal(await mfa.retryAfter(bob), 0, 'per user');
    now += 15 * 60 * 1000 + 1000;
    assert.equal(await mfa.verify(alice, totpCode(secret, totpStep(now)), 'ip', 'b'), 'ok');
  });

  it('each consecutive lockout doubles the lock (15 min, 30 min, 1 h … capped at 24 h), audited as mfa.lockout; a right code starts again at 15 min', async () => {
    const { secret } = await enrol(alice);
    const wrong = () => totpCode(secret, totpStep(now) + 7);
    const minutes: number[] = [];
    for (let cycle = 0; cycle < 9; cycle++) {
      for (let i = 0; i < 5; i++) assert.equal(await mfa.verify(alice, wrong(), 'ip', 'b'), 'invalid');
      assert.equal(await mfa.verify(alice, wrong(), 'ip', 'b'), 'locked');
      const wait = await mfa.retryAfter(alice);
      minutes.push(Math.round(wait / 60));
      now += wait * 1000 + 1000;
    }
    assert.deepEqual(minutes, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
    const lockouts = await store.listAudit({ event: 'mfa.lockout', limit: 20 });
    assert.equal(lockouts.length, 9, 'one audit line per lock, for alerting');
    assert.deepEqual(lockouts.map((l) => l.details.consecutive).reverse(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(lockouts[0]!.details.lockSeconds, 86_400);
    assert.equal(lockouts[0]!.subject, 'alice');

    assert.equal(await mfa.verify(alice, totpCode(secret, totpStep(now)), 'ip', 'b'), 'ok');
    for (let i = 0; i < 5; i++) await mfa.verify(alice, wrong(), 'ip', 'b');
    assert.equal(await mfa.verify(alice, wrong(), 'ip', 'b'), 'locked');
    assert.equal(Math.round((await mfa.retryAfter(alice)) / 60), 15, 'the success reset the escalation');
  });

  it('20 parallel code guesses: at most 5 are looked at, the rest are refused as locked', async () => {
    const { secret } = await enrol(alice);
    const wrong = totpCode(secret, totpStep(now) + 7);
    const answers = await Promise.all(Array.from({ length: 20 }, () => mfa.verify(alice, wrong, 'ip', 'b')));
    assert.equal(answers.filter((a) => a === 'invalid').length, 5);
    assert.equal(answers.filter((a) => a === 'locked').length, 15);
  });

  it('an admin reset removes the factor and its recovery codes, audited with the actor', async () => {
    const { codes } = await enrol(alice);
    assert.equal(await mfa.reset(alice, 'root', '10.0.0.1'), true);
    assert.equal(await mfa.isEnrolled(alice), false);
    assert.equal(await mfa.verify(alice, codes[0]!, 'ip', 'b'), 'invalid');
    const [entry] = await store.listAudit({ event: 'admin.user.mfa-reset', limit: 1 });
    assert.equal(entry!.actor, 'root');
    assert.equal(entry!.subject, 'alice');
  });

  describe('enrolment at sign-in needs an administrator\'s enrolment code', () => {
    it('without a code, with a wrong one or with another user\'s, nothing is enrolled; each refusal is audited', async () => {
      const { code: bobsCode } = await mfa.issueEnrolmentCode(bob, 'root', '10.0.0.9');
      const { secret } = mfa.startEnrolment(alice);
      const right = totpCode(secret, totpStep(now));
      for (const enrolmentCode of ['', 'abcd-efgh-jkmn', bobsCode]) {
        await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, right, enrolmentCode, 'ip', 'browser'), MfaInputError);
      }
      assert.equal(await mfa.isEnrolled(alice), false);
      const reasons = (await store.listAudit({ event: 'mfa.enrol.failure', limit: 10 })).map((e) => e.details.reason);
      assert.deepEqual(reasons.reverse(), ['enrolment_code_missing', 'wrong_enrolment_code', 'wrong_enrolment_code']);
    });

    it('the issued code (stored hashed, audited with the admin) lets the user enrol exactly once, in any case or spacing', async () => {
      const { code, expiresAt } = await mfa.issueEnrolmentCode(alice, 'root', '10.0.0.9');
      assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.equal(expiresAt.getTime(), now + 24 * 3600 * 1000);
      assert.ok(!JSON.stringify(store.db.prepare('SELECT * FROM mfa_enrolment_codes').all()).includes(code.replace(/-/g, '')), 'only a hash is stored');
      const [issued] = await store.listAudit({ event: 'admin.user.mfa-enrol-code', limit: 1 });
      assert.deepEqual([issued!.actor, issued!.subject], ['root', 'alice']);
      assert.ok(!JSON.stringify(issued).includes(code), 'the code is not audited');
      assert.equal((await mfa.status(alice)).enrolmentCodeExpiresAt, expiresAt.toISOString());

      const { secret } = mfa.startEnrolment(alice);
      // A wrong TOTP code does not spend the enrolment code.
      await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now) + 5), code, 'ip', 'browser'), /does not match/);
      const codes = await mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now)), ` ${code.toUpperCase().replace(/-/g, ' ')} `, 'ip', 'browser');
      assert.equal(codes.length, 10);
      assert.equal(await mfa.isEnrolled(alice), true);
      assert.equal((await mfa.status(alice)).enrolmentCodeExpiresAt, null);

      await mfa.reset(alice, 'root', null);
      now += 30_000;
      const { secret: again } = mfa.startEnrolment(alice);
      await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, again, totpCode(again, totpStep(now)), code, 'ip', 'browser'), /not right|already used/, 'spent');
      assert.equal(await mfa.isEnrolled(alice), false);
    });

    it('a code expires after 24 hours; a new one replaces the old', async () => {
      const { code: first } = await mfa.issueEnrolmentCode(alice, 'root', null);
      const { code: second } = await mfa.issueEnrolmentCode(alice, 'root', null);
      const { secret } = mfa.startEnrolment(alice);
      await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now)), first, 'ip', 'browser'), MfaInputError, 'replaced');
      now += 24 * 3600 * 1000 + 1000;
      await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now)), second, 'ip', 'browser'), MfaInputError, 'expired');
      assert.equal(await mfa.isEnrolled(alice), false);
    });

    it('guessing enrolment codes counts against the same escalating guess limit', async () => {
      const { secret } = mfa.startEnrolment(alice);
      const { code } = await mfa.issueEnrolmentCode(alice, 'root', null);
      for (let i = 0; i < 5; i++) await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now)), `guess-${i}`, 'ip', 'b'), /not right/);
      await assert.rejects(mfa.confirmEnrolmentAtSignIn(alice, secret, totpCode(secret, totpStep(now)), code, 'ip', 'b'), /Too many wrong codes/, 'locked, even for the right code');
      assert.equal((await store.listAudit({ event: 'mfa.lockout', limit: 5 })).length, 1);
    });
  });

  it('replacing the app invalidates the old secret', async () => {
    const { secret: old } = await enrol(alice);
    const { secret: replacement } = mfa.startEnrolment(alice);
    await mfa.confirmEnrolment(alice, replacement, totpCode(replacement, totpStep(now)), 'ip', 'test');
    now += 30_000;
    assert.equal(await mfa.verify(alice, totpCode(old, totpStep(now)), 'ip', 'b'), 'invalid');
    assert.equal(await mfa.verify(alice, totpCode(replacement, totpStep(now)), 'ip', 'b'), 'ok');
    assert.equal((await store.listAudit({ event: 'mfa.replace', limit: 5 })).length, 1);
  });
});
