import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parseRoleArn } from '../aws/arn';
import { MAX_SESSION_DURATION_SECONDS } from '../aws/sessionDuration';
import type { ClockPolicy } from '../aws/rules/ruleContext';
import { assumeRoleWithSaml } from './assumeRoleWithSaml';
import { authenticate, signableRequest } from './authenticate';
import { base32Id, EmulatorState, type AdminKey } from './emulatorState';
import { getCallerIdentity } from './getCallerIdentity';
import { IAM_NAMESPACE, IAM_VERSION, QueryError, QueryParams, STS_NAMESPACE, STS_VERSION, errorResponse, newRequestId, queryResponse, type XmlValue } from './queryProtocol';
import { createSamlProvider, samlProviderAction } from './samlProviderActions';

export interface AdminCredentialsInput {
  accessKeyId: string;
  secretAccessKey: string;
  /** The account IAM calls act in; default 123456789012. */
  accountId?: string;
}

export interface StsEmulatorOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Keep providers, roles and issued credentials in this JSON file (mode 0600) across restarts. */
  dataFile?: string;
  /** The emulator's clock: assertion windows, credential expiry and SigV4 time checks all read it. */
  now?: () => Date;
  /** Keys allowed to call the IAM SAML provider actions. Default: one random key, in `adminCredentials`. */
  adminCredentials?: AdminCredentialsInput | AdminCredentialsInput[];
  /** Timing choices where AWS documents nothing (rules §12.1). */
  clock?: Partial<ClockPolicy>;
  /** One line per request (action, status, error code and the rule behind it). Never sees secrets or assertions. */
  log?: (line: string) => void;
}

export interface RegisterRoleInput {
  arn: string;
  /** Seconds, 3600–43200; default 3600, IAM's default (T6). */
  maxSessionDuration?: number;
  /** Providers the trust policy names as Federated principal; default any provider of the account (TP1). */
  trustedProviderArns?: string[];
  /** The trust policy's `StringEquals SAML:aud`; default the partition's sign-in URL (TP2); null for none. */
  samlAudCondition?: string | string[] | null;
  /** Whether the trust policy allows sts:TagSession (A5) / sts:SetSourceIdentity (A4); default true. */
  allowTagSession?: boolean;
  allowSetSourceIdentity?: boolean;
}

export interface StsEmulator {
  /** `http://HOST:PORT/`: the endpoint for --endpoint-url and the SDK's `endpoint`. */
  url: string;
  /** Keys that may call the IAM actions (SigV4, service "iam"). */
  adminCredentials: AdminKey[];
  /** Registers (or replaces) an IAM SAML provider from IdP metadata; returns its ARN. Throws on metadata IAM would refuse. */
  registerSamlProvider(input: { accountId: string; name: string; metadataXml: string }): string;
  /** Declares a role; once an account has one, unregistered roles of that account do not exist. */
  registerRole(input: RegisterRoleInput): void;
  close(): Promise<void>;
}

export const DEFAULT_ADMIN_ACCOUNT = '123456789012';
const MAX_BODY_BYTES = 1024 * 1024;

const STS_ACTIONS = new Set(['AssumeRoleWithSAML', 'GetCallerIdentity']);
const IAM_ACTIONS = new Set(['CreateSAMLProvider', 'GetSAMLProvider', 'ListSAMLProviders', 'UpdateSAMLProvider', 'DeleteSAMLProvider']);

function adminKeysOf(input: StsEmulatorOptions['adminCredentials']): AdminKey[] {
  const list = input === undefined ? [] : Array.isArray(input) ? input : [input];
  const keys = list.map((k) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, accountId: k.accountId ?? DEFAULT_ADMIN_ACCOUNT }));
  for (const key of keys) {
    if (!/^\w{16,128}$/.test(key.accessKeyId) || key.secretAccessKey.length < 16 || !/^\d{12}$/.test(key.accountId)) {
      throw new Error('STS emulator admin credentials need an access key id of 16–128 word characters, a secret of at least 16 characters and a 12-digit account id');
    }
  }
  if (keys.length === 0) keys.push({ accessKeyId: 'AKIA' + base32Id(randomBytes(16), 16), secretAccessKey: randomBytes(30).toString('base64'), accountId: DEFAULT_ADMIN_ACCOUNT });
  return keys;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new QueryError('RequestEntityTooLarge', 413, `Request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A local STS that judges assertions the way AWS does (issue 3): the STS Query protocol for
 * AssumeRoleWithSAML (unsigned) and GetCallerIdentity (SigV4), and the IAM SAML provider actions
 * (SigV4 with an admin key). Every SAML check is the shared rule set in src/aws/rules.
 */
export async function startStsEmulator(options: StsEmulatorOptions = {}): Promise<StsEmulator> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? '127.0.0.1';
  const adminKeys = adminKeysOf(options.adminCredentials);
  const state = new EmulatorState(options.dataFile ?? null, now());
  const log = options.log ?? (() => undefined);

  async function handle(req: http.IncomingMessage): Promise<{ status: number; namespace: string; body: string; rule: string | null; requestId: string; action: string }> {
    const requestId = newRequestId();
    let namespace = STS_NAMESPACE;
    let action = '-';
    try {
      if (req.method !== 'GET' && req.method !== 'POST') throw new QueryError('InvalidHttpRequest', 405, `Method ${req.method} is not allowed: use POST (or GET) with Query parameters.`);
      const body = await readBody(req);
      const signable = signableRequest(req, body);
      const sources = [new URLSearchParams(signable.rawQuery)];
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      if (req.method === 'POST' && body.length > 0) {
        if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
          throw new QueryError('InvalidParameterValue', 400, `Content-Type ${contentType} is not supported: send application/x-www-form-urlencoded Query parameters.`);
        }
        sources.push(new URLSearchParams(body.toString('utf8')));
      }
      const params = new QueryParams(sources);
      action = params.required('Action');
      const version = params.get('Version');
      if (IAM_ACTIONS.has(action)) namespace = IAM_NAMESPACE;
      const expectedVersion = STS_ACTIONS.has(action) ? STS_VERSION : IAM_ACTIONS.has(action) ? IAM_VERSION : null;
      if (expectedVersion === null || version !== expectedVersion) {
        throw new QueryError('InvalidAction', 400, `Could not find operation ${action} for version ${version ?? '(none)'}`);
      }
      let result: { [name: string]: XmlValue } | null;
      if (action === 'AssumeRoleWithSAML') {
        const outcome = assumeRoleWithSaml(params, state, now(), options.clock ?? {});
        result = outcome.result;
        log(`AssumeRoleWithSAML 200 ${outcome.credentials.arn} until ${new Date(outcome.credentials.expiration).toISOString()}`);
      } else if (action === 'GetCallerIdentity') {
        result = getCallerIdentity(authenticate(signable, 'sts', state, adminKeys, now()));
      } else {
        const caller = authenticate(signable, 'iam', state, adminKeys, now());
        if (caller.kind !== 'admin') {
          throw new QueryError('AccessDenied', 403, `User: ${caller.credentials.arn} is not authorized to perform: iam:${action} on resource: * because no identity-based policy allows the iam:${action} action`);
        }
        result = samlProviderAction(action, params, state, caller.key.accountId, now());
      }
      return { status: 200, namespace, body: queryResponse(namespace, action, result, requestId), rule: null, requestId, action };
    } catch (error) {
      const queryError = error instanceof QueryError ? error : new QueryError('InternalFailure', 500, 'The request processing has failed because of an unknown error.');
      if (!(error instanceof QueryError)) log(`${action} 500 ${(error as Error).stack ?? String(error)}`);
      else log(`${action} ${queryError.httpStatus} ${queryError.code}${queryError.rule ? ` [${queryError.rule}]` : ''} ${queryError.detail ?? queryError.message}`);
      return { status: queryError.httpStatus, namespace, body: errorResponse(namespace, queryError, requestId), rule: queryError.rule, requestId, action };
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req).then((answer) => {
      const headers: Record<string, string> = { 'content-type': 'text/xml', 'x-amzn-requestid': answer.requestId, 'cache-control': 'no-store' };
      if (answer.rule) headers['x-sesame-rule'] = answer.rule;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/`,
    adminCredentials: adminKeys,
    registerSamlProvider({ accountId, name, metadataXml }) {
      if (!/^\d{12}$/.test(accountId)) throw new Error(`registerSamlProvider: account id ${JSON.stringify(accountId)} is not 12 digits`);
      const arn = `arn:aws:iam::${accountId}:saml-provider/${name}`;
      // Replacing: the old provider goes only once the new metadata has passed IAM's checks.
      const previous = state.providers.get(arn);
      state.providers.delete(arn);
      try {
        return createSamlProvider(state, accountId, { name, metadataXml }, now()).arn;
      } catch (error) {
        if (previous) state.providers.set(arn, previous);
        if (error instanceof QueryError) throw new Error(`registerSamlProvider: ${error.rule ? `${error.rule}: ` : ''}${error.detail ?? error.message}`);
        throw error;
      }
    },
    registerRole(input) {
      const role = parseRoleArn(input.arn);
      const max = input.maxSessionDuration ?? 3600;
      if (!Number.isInteger(max) || max < 3600 || max > MAX_SESSION_DURATION_SECONDS) throw new Error(`registerRole: maxSessionDuration ${max} is outside IAM's 3600–${MAX_SESSION_DURATION_SECONDS}`);
      const aud = input.samlAudCondition;
      state.roles.set(role.arn, {
        arn: role.arn,
        accountId: role.accountId,
        maxSessionDuration: max,
        trustedProviderArns: input.trustedProviderArns ?? null,
        samlAudCondition: aud === undefined ? undefined : aud === null ? null : Array.isArray(aud) ? aud : [aud],
        allowTagSession: input.allowTagSession ?? true,
        allowSetSourceIdentity: input.allowSetSourceIdentity ?? true,
      });
      state.save();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
