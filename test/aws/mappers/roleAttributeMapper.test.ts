import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roleAttributeMapper } from '../../../src/aws/mappers/roleAttributeMapper';
import { assertAwsRuleError } from '../assertAwsRuleError';
import { PROVIDER_A, PROVIDER_B, ROLE_NAME_ATTR, URI_FORMAT, context, grant } from './fixtures';

test('A1/A8: one Role attribute, one roleArn,providerArn value per grant, NameFormat uri', () => {
  assert.deepEqual(roleAttributeMapper(context([grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_A)])), [
    {
      name: ROLE_NAME_ATTR,
      nameFormat: URI_FORMAT,
      values: ['arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame'],
    },
  ]);
});

test('A1: Role values are de-duplicated and sorted, whatever order grants arrive in', () => {
  const grants = [
    grant('arn:aws:iam::444455556666:role/ReadOnly', PROVIDER_B, { groupName: 'auditors' }),
    grant('arn:aws:iam::111122223333:role/ReadOnly', PROVIDER_A, { groupName: 'auditors' }),
    grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_A, { groupName: 'admins' }),
    grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_A, { groupName: 'engineers', label: 'Prod admin' }),
  ];
  const expected = [
    {
      name: ROLE_NAME_ATTR,
      nameFormat: URI_FORMAT,
      values: [
        'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame',
        'arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Sesame',
        'arn:aws:iam::444455556666:role/ReadOnly,arn:aws:iam::444455556666:saml-provider/Sesame',
      ],
    },
  ];
  assert.deepEqual(roleAttributeMapper(context(grants)), expected);
  assert.deepEqual(roleAttributeMapper(context([...grants].reverse())), expected);
});

test('A1: the same role with two providers of its account gives two values', () => {
  const role = 'arn:aws:iam::111122223333:role/Admin';
  const [attribute] = roleAttributeMapper(
    context([grant(role, PROVIDER_A), grant(role, 'arn:aws:iam::111122223333:saml-provider/SesameDR')]),
  );
  assert.deepEqual(attribute?.values, [
    `${role},arn:aws:iam::111122223333:saml-provider/Sesame`,
    `${role},arn:aws:iam::111122223333:saml-provider/SesameDR`,
  ]);
});

test('A1: Role values put the role first and contain no spaces', () => {
  const [attribute] = roleAttributeMapper(
    context([grant('arn:aws-us-gov:iam::111122223333:role/ops/Gov', 'arn:aws-us-gov:iam::111122223333:saml-provider/Sesame')]),
  );
  for (const value of attribute?.values ?? []) {
    assert.doesNotMatch(value, /\s/);
    const [role, provider, ...rest] = value.split(',');
    assert.match(role ?? '', /:role\//);
    assert.match(provider ?? '', /:saml-provider\//);
    assert.deepEqual(rest, []);
  }
});

test('A1: no grants release no Role attribute', () => {
  assert.deepEqual(roleAttributeMapper(context([])), []);
});

test('A1/S7: an invalid grant fails with its rule id instead of producing a broken assertion', () => {
  assertAwsRuleError(() => roleAttributeMapper(context([grant('arn:aws:iam::111122223333:role/Admin ', PROVIDER_A)])), 'A1');
  assertAwsRuleError(() => roleAttributeMapper(context([grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_B)])), 'S7');
  assertAwsRuleError(() => roleAttributeMapper(context([grant(PROVIDER_A, 'arn:aws:iam::111122223333:role/Admin')])), 'A1', /swap/);
});
