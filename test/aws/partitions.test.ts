import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AWS_PARTITIONS,
  AWS_PARTITION_IDS,
  isAwsConsoleHost,
  isAwsPartition,
  isAwsSigninSamlUrl,
  isRegionInPartition,
} from '../../src/aws/partitions';

test('E2/E6: default ACS URL and audience per partition', () => {
  assert.deepEqual(AWS_PARTITION_IDS, ['aws', 'aws-us-gov', 'aws-cn']);
  assert.equal(AWS_PARTITIONS.aws.defaultAcsUrl, 'https://signin.aws.amazon.com/saml');
  assert.equal(AWS_PARTITIONS.aws.defaultAudience, 'urn:amazon:webservices');
  assert.equal(AWS_PARTITIONS['aws-us-gov'].defaultAcsUrl, 'https://signin.amazonaws-us-gov.com/saml');
  assert.equal(AWS_PARTITIONS['aws-us-gov'].defaultAudience, 'urn:amazon:webservices:govcloud');
  assert.equal(AWS_PARTITIONS['aws-cn'].defaultAcsUrl, 'https://signin.amazonaws.cn/saml');
  assert.equal(AWS_PARTITIONS['aws-cn'].defaultAudience, 'urn:amazon:webservices:cn-north-1');
});

test('E2: every default ACS URL is recognised as a sign-in SAML URL of its own partition', () => {
  for (const partition of AWS_PARTITION_IDS) {
    assert.deepEqual(isAwsSigninSamlUrl(AWS_PARTITIONS[partition].defaultAcsUrl), {
      partition,
      region: null,
      providerId: null,
    });
  }
});

test('E2: the partition table cannot be modified at run time', () => {
  assert.ok(Object.isFrozen(AWS_PARTITIONS));
  assert.ok(Object.isFrozen(AWS_PARTITIONS.aws));
});

test('isAwsPartition accepts only aws, aws-us-gov and aws-cn', () => {
  for (const partition of ['aws', 'aws-us-gov', 'aws-cn']) {
    assert.equal(isAwsPartition(partition), true);
  }
  for (const other of ['AWS', 'aws-iso', 'aws-iso-b', '', null, undefined, 1]) {
    assert.equal(isAwsPartition(other), false);
  }
});

test('E2: region codes belong to exactly one partition', () => {
  assert.equal(isRegionInPartition('us-east-2', 'aws'), true);
  assert.equal(isRegionInPartition('eu-central-1', 'aws'), true);
  assert.equal(isRegionInPartition('ap-southeast-1', 'aws'), true);
  assert.equal(isRegionInPartition('us-gov-west-1', 'aws-us-gov'), true);
  assert.equal(isRegionInPartition('cn-north-1', 'aws-cn'), true);
  assert.equal(isRegionInPartition('cn-northwest-1', 'aws-cn'), true);
  assert.equal(isRegionInPartition('us-gov-west-1', 'aws'), false);
  assert.equal(isRegionInPartition('cn-north-1', 'aws'), false);
  assert.equal(isRegionInPartition('us-east-1', 'aws-cn'), false);
  assert.equal(isRegionInPartition('us-east-1', 'aws-us-gov'), false);
  assert.equal(isRegionInPartition('us-iso-east-1', 'aws'), false);
  assert.equal(isRegionInPartition('us-isob-east-1', 'aws'), false);
  for (const notARegion of ['', 'us', 'useast1', 'us-east', 'US-EAST-1', 'us-east-1a', 'evil', 'us-east-123']) {
    assert.equal(isRegionInPartition(notARegion, 'aws'), false, notARegion);
  }
});

test('E2: recognises regional sign-in SAML endpoints in every partition', () => {
  const cases: Array<[string, string, string]> = [
    ['https://us-east-2.signin.aws.amazon.com/saml', 'aws', 'us-east-2'],
    ['https://eu-central-1.signin.aws.amazon.com/saml', 'aws', 'eu-central-1'],
    ['https://ap-southeast-1.signin.aws.amazon.com/saml', 'aws', 'ap-southeast-1'],
    ['https://us-gov-west-1.signin.amazonaws-us-gov.com/saml', 'aws-us-gov', 'us-gov-west-1'],
    ['https://cn-north-1.signin.amazonaws.cn/saml', 'aws-cn', 'cn-north-1'],
  ];
  for (const [url, partition, region] of cases) {
    assert.deepEqual(isAwsSigninSamlUrl(url), { partition, region, providerId: null }, url);
  }
});

test('E4: recognises provider-specific /saml/acs/<IdP-ID> endpoints, regional and global', () => {
  const idpId = 'SAMLSPABCDEFGHIJ0123456789';
  assert.deepEqual(isAwsSigninSamlUrl(`https://us-east-2.signin.aws.amazon.com/saml/acs/${idpId}`), {
    partition: 'aws',
    region: 'us-east-2',
    providerId: idpId,
  });
  assert.deepEqual(isAwsSigninSamlUrl(`https://signin.aws.amazon.com/saml/acs/${idpId}`), {
    partition: 'aws',
    region: null,
    providerId: idpId,
  });
  assert.deepEqual(isAwsSigninSamlUrl(`https://us-gov-east-1.signin.amazonaws-us-gov.com/saml/acs/${idpId}`), {
    partition: 'aws-us-gov',
    region: 'us-gov-east-1',
    providerId: idpId,
  });
  assert.equal(isAwsSigninSamlUrl(`https://signin.aws.amazon.com/saml/acs/${'A'.repeat(22)}`)?.providerId, 'A'.repeat(22));
  assert.equal(isAwsSigninSamlUrl(`https://signin.aws.amazon.com/saml/acs/${'A'.repeat(64)}`)?.providerId, 'A'.repeat(64));
});

test('E4: rejects IdP-IDs outside [A-Z0-9]{22,64}', () => {
  for (const idpId of ['A'.repeat(21), 'A'.repeat(65), 'samlspabcdefghij0123456789', 'SAMLSP-ABCDEFGHIJ012345678', '']) {
    assert.equal(isAwsSigninSamlUrl(`https://signin.aws.amazon.com/saml/acs/${idpId}`), null, idpId);
  }
});

test('E3: rejects sign-in URLs that would not equal the Recipient AWS expects', () => {
  for (const url of [
    'http://signin.aws.amazon.com/saml',
    'https://user@signin.aws.amazon.com/saml',
    'https://user:pw@signin.aws.amazon.com/saml',
    'https://signin.aws.amazon.com:443/saml',
    'https://signin.aws.amazon.com:8443/saml',
    'https://signin.aws.amazon.com/saml?x=1',
    'https://signin.aws.amazon.com/saml#x',
    'https://signin.aws.amazon.com/saml/',
    'https://signin.aws.amazon.com/SAML',
    'https://SIGNIN.aws.amazon.com/saml',
    'https://signin.aws.amazon.com./saml',
    'https://signin.aws.amazon.com/static/saml',
    'https://signin.aws.amazon.com/saml/acs/',
    ' https://signin.aws.amazon.com/saml',
    'https://signin.aws.amazon.com/saml\n',
    'signin.aws.amazon.com/saml',
    '',
  ]) {
    assert.equal(isAwsSigninSamlUrl(url), null, JSON.stringify(url));
  }
});

test('E2: rejects look-alike hosts and regions outside the partition', () => {
  for (const url of [
    'https://signin.aws.amazon.com.evil.com/saml',
    'https://evil.com/signin.aws.amazon.com/saml',
    'https://evilsignin.aws.amazon.com/saml',
    'https://evil.signin.aws.amazon.com/saml',
    'https://a.us-east-2.signin.aws.amazon.com/saml',
    'https://console.aws.amazon.com/saml',
    'https://signin.amazonaws.com/saml',
    'https://cn-north-1.signin.aws.amazon.com/saml',
    'https://us-gov-west-1.signin.aws.amazon.com/saml',
    'https://us-east-1.signin.amazonaws.cn/saml',
    'https://us-east-1.signin.amazonaws-us-gov.com/saml',
    'https://signin.amazonaws.cn.evil.com/saml',
  ]) {
    assert.equal(isAwsSigninSamlUrl(url), null, url);
  }
  assert.equal(isAwsSigninSamlUrl(undefined as unknown as string), null);
});

test('E8: console hosts per partition, global and regional', () => {
  assert.equal(isAwsConsoleHost('console.aws.amazon.com', 'aws'), true);
  assert.equal(isAwsConsoleHost('us-east-2.console.aws.amazon.com', 'aws'), true);
  assert.equal(isAwsConsoleHost('console.amazonaws-us-gov.com', 'aws-us-gov'), true);
  assert.equal(isAwsConsoleHost('us-gov-west-1.console.amazonaws-us-gov.com', 'aws-us-gov'), true);
  assert.equal(isAwsConsoleHost('console.amazonaws.cn', 'aws-cn'), true);
  assert.equal(isAwsConsoleHost('cn-northwest-1.console.amazonaws.cn', 'aws-cn'), true);

  assert.equal(isAwsConsoleHost('console.aws.amazon.com', 'aws-cn'), false);
  assert.equal(isAwsConsoleHost('console.amazonaws.cn', 'aws'), false);
  assert.equal(isAwsConsoleHost('cn-north-1.console.aws.amazon.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('evil.console.aws.amazon.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('a.us-east-2.console.aws.amazon.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('console.aws.amazon.com.evil.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('evilconsole.aws.amazon.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('.console.aws.amazon.com', 'aws'), false);
  assert.equal(isAwsConsoleHost('aws.amazon.com', 'aws'), false);
});
