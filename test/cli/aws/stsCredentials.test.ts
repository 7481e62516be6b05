import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { AssumeRoleWithSAMLCommand } from '@aws-sdk/client-sts';
import { assumeRoleWithSaml, stsClientFor } from '../../../src/cli/aws/stsCredentials';
import { SesameAwsError } from '../../../src/cli/aws/sesameAwsError';

const INPUT = { roleArn: 'arn:aws:iam::111122223333:role/Developer', principalArn: 'arn:aws:iam::111122223333:saml-provider/Sesame', samlAssertion: 'PHg+PC94Pg==' };

/** The host the SDK would send the request to, caught before it leaves (no network here). */
async function hostFor(region: string, endpoint?: string): Promise<string> {
  const client = await stsClientFor({ region, endpoint });
  let host = '';
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { hostname: string; port?: number; protocol: string };
      host = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
      throw new Error('stop here');
    },
    { step: 'finalizeRequest' },
  );
  await assert.rejects(client.send(new AssumeRoleWithSAMLCommand({ RoleArn: INPUT.roleArn, PrincipalArn: INPUT.principalArn, SAMLAssertion: INPUT.samlAssertion })), /stop here/);
  client.destroy();
  return host;
}

describe('sesame-aws: the STS call', () => {
  it('uses the regional STS endpoint of the region, in every partition, unless overridden', async () => {
    assert.equal(await hostFor('us-east-1'), 'https://sts.us-east-1.amazonaws.com');
    assert.equal(await hostFor('eu-west-1'), 'https://sts.eu-west-1.amazonaws.com');
    assert.equal(await hostFor('us-gov-west-1'), 'https://sts.us-gov-west-1.amazonaws.com');
    assert.equal(await hostFor('cn-north-1'), 'https://sts.cn-north-1.amazonaws.com.cn');
    assert.equal(await hostFor('eu-west-1', 'http://127.0.0.1:4566/'), 'http://127.0.0.1:4566');
  });

  it('sends AssumeRoleWithSAML unsigned and turns an STS error into its code, message and a hint', async () => {
    let seen: { authorization?: string; body: string } = { body: '' };
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen = { authorization: req.headers.authorization, body };
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>The requested DurationSeconds exceeds the MaxSessionDuration set for this role.</Message></Error><RequestId>r</RequestId></ErrorResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      await assert.rejects(assumeRoleWithSaml({ ...INPUT, region: 'us-east-1', endpoint, durationSeconds: 7200 }), (error: unknown) => {
        assert.ok(error instanceof SesameAwsError);
        assert.equal(error.code, 'sts_ValidationError');
        assert.match(error.message, /ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration/);
        assert.match(error.message, /pass a smaller --duration/);
        return true;
      });
      assert.equal(seen.authorization, undefined, 'unsigned (P1): no AWS credentials are looked up or sent');
      const params = new URLSearchParams(seen.body);
      assert.equal(params.get('Action'), 'AssumeRoleWithSAML');
      assert.equal(params.get('DurationSeconds'), '7200');
      assert.equal(params.get('SAMLAssertion'), INPUT.samlAssertion);
    } finally {
      server.close();
    }
    await assert.rejects(assumeRoleWithSaml({ ...INPUT, region: 'us-east-1', endpoint: 'http://127.0.0.1:1/' }), /could not call http:\/\/127\.0\.0\.1:1\//);
  });
});
