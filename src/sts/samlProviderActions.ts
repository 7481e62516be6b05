import { randomBytes } from 'node:crypto';
import { readProviderMetadata } from '../aws/rules/providerMetadata';
import { isError } from '../aws/rules/finding';
import { base32Id, type EmulatorState, type SamlProviderRecord } from './emulatorState';
import { QueryError, awsTimestamp, type QueryParams, type XmlValue } from './queryProtocol';

/** IAM quota: SAML providers per account (S6). */
export const MAX_PROVIDERS_PER_ACCOUNT = 100;
// The IAM model pattern for a provider name (S6).
const PROVIDER_NAME = /^[\w._-]{1,128}$/;
const HUNDRED_YEARS_MS = 100 * 365.25 * 24 * 3600 * 1000;

function readMetadataOrRefuse(metadataXml: string, now: Date) {
  const reading = readProviderMetadata(metadataXml, now);
  const first = reading.findings.find(isError);
  if (reading.provider === null || first) {
    const aws = first?.awsError ?? { code: 'InvalidInput', httpStatus: 400, message: 'Could not parse metadata' };
    throw new QueryError(aws.code, aws.httpStatus, aws.message, first?.rule ?? 'S4', first?.message ?? null);
  }
  return reading.provider;
}

function notEncrypted(params: QueryParams): void {
  if (params.get('AddPrivateKey') !== null || params.get('AssertionEncryptionMode') === 'Required') {
    throw new QueryError('InvalidInput', 400, 'The Sesame STS emulator does not decrypt assertions: leave AssertionEncryptionMode at Allowed and send no private key (X6).', 'X1');
  }
}

/** CreateSAMLProvider: validates the metadata as IAM does (S3, S4) and registers the provider in the caller's account. */
export function createSamlProvider(state: EmulatorState, accountId: string, input: { name: string; metadataXml: string; tags?: Array<{ Key: string; Value: string }> }, now: Date): SamlProviderRecord {
  if (!PROVIDER_NAME.test(input.name)) {
    throw new QueryError('ValidationError', 400, `1 validation error detected: Value '${input.name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+ and have length between 1 and 128`, 'S6');
  }
  const trusted = readMetadataOrRefuse(input.metadataXml, now);
  const arn = `arn:aws:iam::${accountId}:saml-provider/${input.name}`;
  if (state.providers.has(arn)) throw new QueryError('EntityAlreadyExists', 409, `SAMLProvider ${input.name} already exists.`, 'S6');
  if (state.providersOf(accountId).length >= MAX_PROVIDERS_PER_ACCOUNT) {
    throw new QueryError('LimitExceeded', 409, `Cannot exceed quota for SAMLProvidersPerAccount: ${MAX_PROVIDERS_PER_ACCOUNT}`, 'S6');
  }
  const record: SamlProviderRecord = {
    arn,
    accountId,
    name: input.name,
    metadataXml: input.metadataXml,
    uuid: 'SAMLSP' + base32Id(randomBytes(16), 16),
    createDate: awsTimestamp(now),
    // Without validUntil in the metadata IAM sets creation + 100 years (S4, observed).
    validUntil: awsTimestamp(new Date(now.getTime() + HUNDRED_YEARS_MS)),
    tags: input.tags ?? [],
    trusted,
  };
  state.providers.set(arn, record);
  state.save();
  return record;
}

function providerOf(state: EmulatorState, accountId: string, params: QueryParams): SamlProviderRecord {
  const arn = params.required('SAMLProviderArn');
  const record = state.providers.get(arn);
  if (record === undefined || record.accountId !== accountId) throw new QueryError('NoSuchEntity', 404, `Manifest not found for arn ${arn}`, 'S6');
  return record;
}

/** The IAM SAML provider actions (S6), each returning its Result element's content (null: none). */
export function samlProviderAction(action: string, params: QueryParams, state: EmulatorState, accountId: string, now: Date): { [name: string]: XmlValue } | null {
  switch (action) {
    case 'CreateSAMLProvider': {
      notEncrypted(params);
      const keys = params.list('Tags', 'Key');
      const values = params.list('Tags', 'Value');
      const record = createSamlProvider(state, accountId, { name: params.required('Name'), metadataXml: params.required('SAMLMetadataDocument'), tags: keys.map((Key, i) => ({ Key, Value: values[i] ?? '' })) }, now);
      return { SAMLProviderArn: record.arn, Tags: record.tags.length > 0 ? record.tags : null };
    }
    case 'GetSAMLProvider': {
      const record = providerOf(state, accountId, params);
      return {
        SAMLProviderUUID: record.uuid,
        SAMLMetadataDocument: record.metadataXml,
        CreateDate: record.createDate,
        ValidUntil: record.validUntil,
        Tags: record.tags.length > 0 ? record.tags : null,
        AssertionEncryptionMode: 'Allowed',
        PrivateKeyList: [],
      };
    }
    case 'ListSAMLProviders':
      return { SAMLProviderList: state.providersOf(accountId).map((p) => ({ Arn: p.arn, ValidUntil: p.validUntil, CreateDate: p.createDate })) };
    case 'UpdateSAMLProvider': {
      const record = providerOf(state, accountId, params);
      notEncrypted(params);
      const metadataXml = params.get('SAMLMetadataDocument');
      if (metadataXml === null) throw new QueryError('InvalidInput', 400, 'No updates are defined for metadata or encryption assertion', 'S5');
      record.trusted = readMetadataOrRefuse(metadataXml, now);
      record.metadataXml = metadataXml;
      state.save();
      return { SAMLProviderArn: record.arn };
    }
    case 'DeleteSAMLProvider': {
      const record = providerOf(state, accountId, params);
      state.providers.delete(record.arn);
      state.save();
      return null;
    }
    default:
      throw new QueryError('InvalidAction', 400, `Could not find operation ${action} for version 2010-05-08`);
  }
}
