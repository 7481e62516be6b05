import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AWS_CONSOLE_RELEASE, runReleaseChain } from '../../../src/sp/release/attributeMappers';
import { runAwsMappers } from '../../../src/aws/mappers';
import type { ReleaseContext } from '../../../src/sp/release/releaseContext';

const ctx: ReleaseContext = {
  principal: { userId: 1, username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.com' },
  groups: ['zeta', 'admins'],
  grants: [{ roleArn: 'arn:aws:iam::111122223333:role/Dev', providerArn: 'arn:aws:iam::111122223333:saml-provider/Sesame', label: null, sessionDuration: 3600, groupName: 'admins' }],
  spEntityId: 'https://sp/md',
};

describe('the attribute release chain', () => {
  test('generic mappers release OID-named attributes with FriendlyNames, in chain order; groups sorted', () => {
    const released = runReleaseChain(['displayName', 'uid', 'mail', 'groups'], ctx);
    assert.deepEqual(released.map((a) => [a.friendlyName, a.values]), [['displayName', ['Alice Liddell']], ['uid', ['alice']], ['mail', ['alice@example.com']], ['isMemberOf', ['admins', 'zeta']]]);
    assert.ok(released.every((a) => a.name.startsWith('urn:oid:') && a.nameFormat === 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri'));
  });

  test('an empty value releases nothing (no e-mail, no mail attribute)', () => {
    assert.deepEqual(runReleaseChain(['mail'], { ...ctx, principal: { ...ctx.principal, email: null } }), []);
  });

  test('the AWS console chain is exactly the AWS mappers (AWS is a registry entry with its mappers)', () => {
    assert.deepEqual(runReleaseChain(AWS_CONSOLE_RELEASE, ctx), runAwsMappers(ctx));
  });

  test('the same attribute from two mappers is merged into one Attribute element', () => {
    const released = runReleaseChain(['displayName', 'cn', 'uid'], { ...ctx });
    assert.equal(released.filter((a) => a.name === 'urn:oid:0.9.2342.19200300100.1.1').length, 1);
  });

  test('an unknown mapper name fails loudly', () => {
    assert.throws(() => runReleaseChain(['nope'], ctx), /unknown attribute mapper "nope"/);
  });
});
