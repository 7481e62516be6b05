import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsConsoleMappers, runAwsMappers } from '../../../src/aws/mappers';
import { roleAttributeMapper } from '../../../src/aws/mappers/roleAttributeMapper';
import { roleSessionNameMapper } from '../../../src/aws/mappers/roleSessionNameMapper';
import { sessionDurationMapper } from '../../../src/aws/mappers/sessionDurationMapper';
import type { AwsAttributeMapper } from '../../../src/aws/types';
import {
  PROVIDER_A,
  PROVIDER_B,
  ROLE_NAME_ATTR,
  SESSION_DURATION_ATTR,
  SESSION_NAME_ATTR,
  URI_FORMAT,
  context,
  grant,
  principal,
} from './fixtures';

test('A1/A2/A3: awsConsoleMappers run Role, RoleSessionName, SessionDuration in that order', () => {
  assert.deepEqual(awsConsoleMappers, [roleAttributeMapper, roleSessionNameMapper, sessionDurationMapper]);
});

test('A1/A2/A3: runAwsMappers releases the attributes of the rules §13 example', () => {
  const ctx = context(
    [
      grant('arn:aws:iam::444455556666:role/ReadOnly', PROVIDER_B, { sessionDuration: 3600 }),
      grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_A, { sessionDuration: 7200 }),
    ],
    principal({ email: 'jdoe@example.com' }),
  );
  assert.deepEqual(runAwsMappers(ctx), [
    {
      name: ROLE_NAME_ATTR,
      nameFormat: URI_FORMAT,
      values: [
        'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame',
        'arn:aws:iam::444455556666:role/ReadOnly,arn:aws:iam::444455556666:saml-provider/Sesame',
      ],
    },
    { name: SESSION_NAME_ATTR, nameFormat: URI_FORMAT, values: ['jdoe@example.com'] },
    { name: SESSION_DURATION_ATTR, nameFormat: URI_FORMAT, values: ['3600'] },
  ]);
});

test('A3: runAwsMappers omits SessionDuration when no grant sets one', () => {
  const released = runAwsMappers(context([grant('arn:aws:iam::111122223333:role/Admin', PROVIDER_A)]));
  assert.deepEqual(
    released.map((attribute) => attribute.name),
    [ROLE_NAME_ATTR, SESSION_NAME_ATTR],
  );
});

test('runAwsMappers runs a custom mapper list in order and passes each the same context', () => {
  const seen: unknown[] = [];
  const first: AwsAttributeMapper = (ctx) => {
    seen.push(ctx);
    return [{ name: 'first', values: ['1'] }];
  };
  const second: AwsAttributeMapper = (ctx) => {
    seen.push(ctx);
    return [
      { name: 'second', values: ['2'] },
      { name: 'third', values: [] },
    ];
  };
  const ctx = context([]);
  assert.deepEqual(runAwsMappers(ctx, [first, second]), [
    { name: 'first', values: ['1'] },
    { name: 'second', values: ['2'] },
    { name: 'third', values: [] },
  ]);
  assert.deepEqual(seen, [ctx, ctx]);
  assert.equal(seen[0], ctx);
  assert.deepEqual(runAwsMappers(ctx, []), []);
});
