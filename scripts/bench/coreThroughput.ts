import { randomBytes } from 'node:crypto';
import { SqliteStore } from '../../src/store/sqliteStore';
import { EnvelopedSigner } from '../../src/saml/xmlDsig';
import { buildSignedResponse, type ResponseInput } from '../../src/saml/buildResponse';
import { newSamlId } from '../../src/saml/samlId';
import { persistentNameId } from '../../src/saml/persistentNameId';
import { NAMEID_PERSISTENT, type Principal } from '../../src/saml/types';
import { authnContextFor } from '../../src/auth/authnContext';
import { runAwsMappers } from '../../src/aws/mappers';
import { ConsoleSso, type ConsoleSsoRequest } from '../../src/aws/consoleSso';
import { asyncRate, syncRate } from './measureRate';
import { BENCH_AWS_AUDIENCE, BENCH_AWS_SIGNIN_URL, provisionBenchUsers, type BenchInstallation } from './benchInstallation';

export const BENCH_ENTITY_ID = 'https://sesame.bench.example/saml/metadata';

export interface CoreThroughput {
  /** ConsoleSso.issue, the real pipeline minus HTTP: grants from SQLite, mappers, build + 2 signatures, audit row. */
  responsesPerSecond: number;
  /** Only mappers + buildSignedResponse + base64: the XML and signing work, without the store. */
  buildOnlyResponsesPerSecond: number;
  /** One response of each kind, for the shape check against samlify and signature verification. */
  sampleXml: string;
  /** The exact values that response was built from, so samlify can be given the same. */
  sampleInput: ResponseInput;
}

/**
 * Measures Sesame's AWS response production in-process on one core: ConsoleSso.issue as
 * /aws/sso calls it (same settings as src/main.ts), and the pure build-and-sign part of it.
 */
export async function measureCoreThroughput(installation: BenchInstallation, seconds: number, dataDirName = 'core-data'): Promise<CoreThroughput> {
  const store = SqliteStore.open(installation.dataDir(dataDirName));
  try {
    const [benchUser] = await provisionBenchUsers(store, 1);
    const user = (await store.findUserByUsername(benchUser!.username))!;
    const grants = await store.listRoleGrantsForUser(user.id);
    const signer = new EnvelopedSigner(installation.key);
    const nameIdSecret = randomBytes(32).toString('base64url');
    const consoleSso = new ConsoleSso(
      store,
      signer,
      {
        entityId: BENCH_ENTITY_ID,
        signinUrl: BENCH_AWS_SIGNIN_URL,
        signinPartition: 'aws',
        audience: BENCH_AWS_AUDIENCE,
        signResponse: true,
        assertionLifetimeSeconds: 300,
        overTls: true,
      },
      nameIdSecret,
    );
    const request: ConsoleSsoRequest = {
      user,
      authnInstant: new Date(),
      sessionIndex: newSamlId(),
      secondFactor: false,
      clientIp: '127.0.0.1',
    };
    const responsesPerSecond = await asyncRate(() => consoleSso.issue(request), seconds);

    const principal: Principal = { userId: user.id, username: user.username, displayName: user.displayName, email: user.email };
    const inputNow = (): ResponseInput => ({
      issuer: BENCH_ENTITY_ID,
      destination: BENCH_AWS_SIGNIN_URL,
      audience: BENCH_AWS_AUDIENCE,
      nameId: { value: persistentNameId(nameIdSecret, user.subjectSeed, BENCH_AWS_AUDIENCE), format: NAMEID_PERSISTENT },
      now: new Date(),
      lifetimeSeconds: 300,
      notBeforeSkewSeconds: 60,
      authnInstant: request.authnInstant,
      sessionIndex: request.sessionIndex,
      authnContextClassRef: authnContextFor({ overTls: true, secondFactor: false }),
      attributes: runAwsMappers({ principal, grants }),
      signResponse: true,
    });
    const buildOnlyResponsesPerSecond = syncRate(() => Buffer.from(buildSignedResponse(inputNow(), signer).xml, 'utf8').toString('base64'), seconds);

    const sampleInput = inputNow();
    const issued = await consoleSso.issue(request);
    return {
      responsesPerSecond,
      buildOnlyResponsesPerSecond,
      sampleXml: Buffer.from(issued.samlResponse, 'base64').toString('utf8'),
      sampleInput,
    };
  } finally {
    await store.close();
  }
}
