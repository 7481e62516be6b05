import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConsoleRelayState } from '../../src/aws/consoleRelayState';
import { assertAwsRuleError } from './assertAwsRuleError';

test('E8: accepts console deep links in the aws partition', () => {
  assert.equal(checkConsoleRelayState('https://console.aws.amazon.com/s3/', 'aws'), 'https://console.aws.amazon.com/s3/');
  assert.equal(
    checkConsoleRelayState('https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:', 'aws'),
    'https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:',
  );
});

test('E8: accepts console deep links in GovCloud and China', () => {
  assert.equal(
    checkConsoleRelayState('https://console.amazonaws-us-gov.com/iam/', 'aws-us-gov'),
    'https://console.amazonaws-us-gov.com/iam/',
  );
  assert.equal(
    checkConsoleRelayState('https://us-gov-west-1.console.amazonaws-us-gov.com/ec2/', 'aws-us-gov'),
    'https://us-gov-west-1.console.amazonaws-us-gov.com/ec2/',
  );
  assert.equal(checkConsoleRelayState('https://console.amazonaws.cn/s3/', 'aws-cn'), 'https://console.amazonaws.cn/s3/');
  assert.equal(
    checkConsoleRelayState('https://cn-north-1.console.amazonaws.cn/ec2/', 'aws-cn'),
    'https://cn-north-1.console.amazonaws.cn/ec2/',
  );
});

test('E8: returns the WHATWG-normalised URL', () => {
  assert.equal(checkConsoleRelayState('https://console.aws.amazon.com', 'aws'), 'https://console.aws.amazon.com/');
  assert.equal(checkConsoleRelayState('https://console.aws.amazon.com:443/s3/', 'aws'), 'https://console.aws.amazon.com/s3/');
  assert.equal(checkConsoleRelayState('HTTPS://CONSOLE.AWS.AMAZON.COM/s3/', 'aws'), 'https://console.aws.amazon.com/s3/');
  assert.equal(checkConsoleRelayState('https://console.aws.amazon.com/a/../s3/', 'aws'), 'https://console.aws.amazon.com/s3/');
  assert.equal(checkConsoleRelayState('https://console.aws.amazon.com/s3/é', 'aws'), 'https://console.aws.amazon.com/s3/%C3%A9');
  assert.equal(
    checkConsoleRelayState('https://console.aws.amazon.com/s3/?next=https://evil.com', 'aws'),
    'https://console.aws.amazon.com/s3/?next=https://evil.com',
  );
});

test('E8: rejects non-https schemes', () => {
  for (const text of [
    'javascript:alert(1)',
    'JavaScript:alert(document.domain)//https://console.aws.amazon.com/',
    'data:text/html,<script>alert(1)</script>',
    'http://console.aws.amazon.com',
    'http://console.aws.amazon.com/s3/',
    'ftp://console.aws.amazon.com/',
    'https:console.aws.amazon.com/s3/',
    'https:/console.aws.amazon.com/s3/',
    '//console.aws.amazon.com/s3/',
    '/s3/',
    'console.aws.amazon.com/s3/',
  ]) {
    assertAwsRuleError(() => checkConsoleRelayState(text, 'aws'), 'E8', /not an https:\/\/ URL/);
  }
});

test('E8: rejects hosts that are not AWS console hosts', () => {
  for (const text of [
    'https://evil.com/?https://console.aws.amazon.com',
    'https://evil.com/#https://console.aws.amazon.com',
    'https://console.aws.amazon.com.evil.com/',
    'https://console.aws.amazon.com./',
    'https://evilconsole.aws.amazon.com/',
    'https://evil.console.aws.amazon.com/',
    'https://signin.aws.amazon.com/saml',
    'https://aws.amazon.com/',
    'https://console.aws.amazon.com%2eevil.com/',
    'https://cоnsole.aws.amazon.com/', // Cyrillic "о"
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/',
  ]) {
    assertAwsRuleError(() => checkConsoleRelayState(text, 'aws'), 'E8', /not an AWS console host of partition aws/);
  }
});

test('E8: rejects console hosts of another partition', () => {
  assertAwsRuleError(() => checkConsoleRelayState('https://console.aws.amazon.com/', 'aws-cn'), 'E8', /partition aws-cn/);
  assertAwsRuleError(() => checkConsoleRelayState('https://console.amazonaws.cn/', 'aws'), 'E8', /partition aws/);
  assertAwsRuleError(() => checkConsoleRelayState('https://console.amazonaws-us-gov.com/', 'aws'), 'E8', /partition aws/);
  assertAwsRuleError(() => checkConsoleRelayState('https://cn-north-1.console.aws.amazon.com/', 'aws'), 'E8', /not an AWS console host/);
  assertAwsRuleError(
    () => checkConsoleRelayState('https://us-east-1.console.amazonaws-us-gov.com/', 'aws-us-gov'),
    'E8',
    /not an AWS console host/,
  );
});

test('E8: rejects user names and passwords in the URL', () => {
  for (const text of [
    'https://user@console.aws.amazon.com',
    'https://user:pw@console.aws.amazon.com/s3/',
    'https://@console.aws.amazon.com/',
    'https://:@console.aws.amazon.com/',
    'https://console.aws.amazon.com@evil.com/',
  ]) {
    assertAwsRuleError(() => checkConsoleRelayState(text, 'aws'), 'E8', /user name or password/);
  }
});

test('E8: rejects non-default ports', () => {
  assertAwsRuleError(() => checkConsoleRelayState('https://console.aws.amazon.com:8443/', 'aws'), 'E8', /port 8443/);
  assertAwsRuleError(() => checkConsoleRelayState('https://console.aws.amazon.com:80/', 'aws'), 'E8', /port 80/);
  assertAwsRuleError(() => checkConsoleRelayState('https://console.aws.amazon.com:99999/', 'aws'), 'E8', /not a valid URL/);
});

test('E8: rejects whitespace, control characters and backslashes', () => {
  for (const text of [
    ' https://console.aws.amazon.com/',
    'https://console.aws.amazon.com/ ',
    'https://console.aws.amazon.com/s3/\n',
    'https://console.aws.amazon.com/\r\nSet-Cookie:x',
    'https://console.aws.amazon.com/s3 /',
    'https://console.aws.amazon.com/\t',
    'https://console.aws.amazon.com/\u0000',
    'https://console.aws.amazon.com/\u200b',
    'https://console.aws.amazon.com/\u00a0',
    'https://console.aws.amazon.com/\u2028',
  ]) {
    assertAwsRuleError(() => checkConsoleRelayState(text, 'aws'), 'E8', /whitespace or control characters/);
  }
  assertAwsRuleError(() => checkConsoleRelayState('https://evil.com\\@console.aws.amazon.com/', 'aws'), 'E8', /backslash/);
  assertAwsRuleError(() => checkConsoleRelayState('https://console.aws.amazon.com\\s3', 'aws'), 'E8', /backslash/);
  assertAwsRuleError(() => checkConsoleRelayState('https:\\\\console.aws.amazon.com/', 'aws'), 'E8', /not an https:\/\/ URL/);
});

test('E8: rejects an empty RelayState', () => {
  assertAwsRuleError(() => checkConsoleRelayState('', 'aws'), 'E8', /is empty/);
  assertAwsRuleError(() => checkConsoleRelayState(undefined as unknown as string, 'aws'), 'E8', /is empty/);
});

test('E8: rejects RelayState longer than 2048 characters, before and after normalisation', () => {
  const base = 'https://console.aws.amazon.com/';
  const atLimit = `${base}${'a'.repeat(2048 - base.length)}`;
  assert.equal(checkConsoleRelayState(atLimit, 'aws'), atLimit);
  assertAwsRuleError(() => checkConsoleRelayState(`${atLimit}a`, 'aws'), 'E8', /2049 characters long/);
  // 700 "é" are 731 characters raw but 4231 once percent-encoded.
  assertAwsRuleError(() => checkConsoleRelayState(`${base}${'é'.repeat(700)}`, 'aws'), 'E8', /once percent-encoded/);
});

test('E8: error messages say how to fix the value and do not echo huge input', () => {
  assertAwsRuleError(
    () => checkConsoleRelayState('https://evil.com/', 'aws'),
    'E8',
    /^E8: RelayState "https:\/\/evil\.com\/" points at host "evil\.com", .* — use an https:\/\/console\.aws\.amazon\.com\/… or https:\/\/<region>\.console\.aws\.amazon\.com\/… deep link, or leave RelayState empty$/,
  );
  assert.throws(
    () => checkConsoleRelayState(`https://evil.com/${'x'.repeat(5000)}`, 'aws'),
    (error: Error) => error.message.length < 400,
  );
});
