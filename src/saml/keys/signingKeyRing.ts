import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { EnvelopedSigner } from '../xmlDsig';
import { createSelfSignedCertificate } from './selfSignedCertificate';
import { ensureSigningKey, loadSigningKey, MIN_RSA_MODULUS_BITS, type SigningKey } from './signingKey';
import { SigningKeyError } from './signingKeyError';
import type { SigningKeyRecord, SigningKeyState, SigningKeyStore } from '../../store/signingKeyStore';

const generateKeyPair = promisify(crypto.generateKeyPair);

/** What holders of a signer keep: ask for the current signer at each use, never cache it. */
export interface SignerProvider {
  current(): EnvelopedSigner;
}

/** A rollover step that cannot be taken in the ring's present state; the message says what to do instead. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/** One key of the ring as the admin console shows it: never the private key. */
export interface RingKeyView {
  id: string;
  state: SigningKeyState;
  published: boolean;
  signing: boolean;
  notAfter: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  /** SHA-256 of the certificate DER, colon-separated hex: what admins compare with IAM. */
  fingerprint: string;
  certPath: string;
}

export interface SigningKeyRingOptions {
  store: SigningKeyStore;
  /** The configured key pair (SESAME_SIGNING_KEY/CERT): seeds the ring on first start; new keys go into its directory. */
  keyPath: string;
  certPath: string;
  commonName: string;
  modulusLength: number;
  log: (line: string) => void;
  /** How often each process checks whether another process changed the ring. */
  refreshIntervalMs?: number;
}

interface Snapshot {
  version: number;
  records: SigningKeyRecord[];
  current: SigningKey;
  signer: EnvelopedSigner;
  /** Certificates in metadata order: current, next, previous (S5). */
  published: SigningKey[];
}

const PUBLISH_ORDER: SigningKeyState[] = ['current', 'next', 'previous'];

function fingerprintOf(key: SigningKey): string {
  const der = Buffer.from(key.certificateBase64, 'base64');
  return crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * The IdP's signing keys at run time, for rollover without a restart (aws-saml-rules S5):
 *  - `current` signs every response and is published in metadata;
 *  - `next` is published beside it, so admins can upload metadata that trusts it before the switch;
 *  - `previous` (the key before the last switch) stays published until the admin retires it;
 *  - `retired` keys are neither published nor used.
 *
 * Key material lives in files (0600) next to the configured key; the store holds paths, states and a
 * version number. Every process polls that version once per `refreshIntervalMs` and swaps in a new
 * snapshot when it changes, so a switch made in one worker reaches all of them within that interval;
 * the signer and metadata read the snapshot reference, nothing is parsed per request.
 */
export class SigningKeyRing implements SignerProvider {
  private snapshot: Snapshot;
  private timer: NodeJS.Timeout | null = null;
  private metadataCache: { version: number; build: (certs: string[]) => string; xml: string } | null = null;
  /** An EnvelopedSigner whose key follows the ring: hand it to anything that takes a signer. */
  readonly signer: EnvelopedSigner;

  private constructor(
    private readonly options: SigningKeyRingOptions,
    snapshot: Snapshot,
    /** Parsed keys by id: a key file is read once per process, not at every ring change. */
    private readonly loaded: Map<string, SigningKey>,
  ) {
    this.snapshot = snapshot;
    const ring = this;
    this.signer = new (class RingSigner extends EnvelopedSigner {
      override signatureFor(canonicalElement: string, id: string): string {
        return ring.current().signatureFor(canonicalElement, id);
      }

      override signOctets(octets: string): { sigAlg: string; signature: string } {
        return ring.current().signOctets(octets);
      }
    })(snapshot.current);
  }

  /** Loads the ring, seeding it with the configured key pair (generated if absent) on first start. */
  static async open(options: SigningKeyRingOptions): Promise<SigningKeyRing> {
    let records = await options.store.listSigningKeys();
    if (!records.some((r) => r.state === 'current')) {
      const { key, created } = await ensureSigningKey({
        keyPath: options.keyPath,
        certPath: options.certPath,
        commonName: options.commonName,
        modulusLength: options.modulusLength,
      });
      options.log(created ? `generated a new ${options.modulusLength}-bit signing key (${key.id}) at ${options.keyPath}` : `signing key ${key.id} loaded`);
      try {
        await options.store.addSigningKey({ id: key.id, state: 'current', keyPath: path.resolve(options.keyPath), certPath: path.resolve(options.certPath), notAfter: key.notAfter.toISOString() });
      } catch (error) {
        // Another process seeded the ring at the same moment: use what it stored.
        if ((error as Error).name !== 'StoreConflictError') throw error;
      }
      records = await options.store.listSigningKeys();
    } else {
      // The ring decides after the first start. A key pair swapped in at SESAME_SIGNING_KEY by hand
      // (the pre-ring way of rotating) would otherwise be ignored without a word.
      try {
        const configured = loadSigningKey(options.keyPath, options.certPath);
        if (!records.some((r) => r.id === configured.id)) {
          options.log(`warning: ${options.certPath} (key ${configured.id}) is not in the signing key ring, so it is not used; rotate keys in the admin console (Signing keys) instead`);
        }
      } catch {
        // Missing or unreadable configured files are fine once the ring exists.
      }
    }
    const loaded = new Map<string, SigningKey>();
    const ring = new SigningKeyRing(options, buildSnapshot(records, await options.store.signingKeyRingVersion(), loaded), loaded);
    ring.options.log(`signing with key ${ring.snapshot.current.id}; certificate valid until ${ring.snapshot.current.notAfter.toISOString()}; ${ring.snapshot.published.length} certificate(s) published`);
    return ring;
  }

  /** The signer of the current key (SignerProvider). */
  current(): EnvelopedSigner {
    return this.snapshot.signer;
  }

  currentKeyId(): string {
    return this.snapshot.current.id;
  }

  /** Base64 DER certificates to publish in metadata, current first. */
  publishedCertificates(): string[] {
    return this.snapshot.published.map((k) => k.certificateBase64);
  }

  /** Metadata built from the published certificates; rebuilt only when the ring changes. */
  metadataXml(build: (certificates: string[]) => string): string {
    const cache = this.metadataCache;
    if (cache && cache.version === this.snapshot.version && cache.build === build) return cache.xml;
    const xml = build(this.publishedCertificates());
    this.metadataCache = { version: this.snapshot.version, build, xml };
    return xml;
  }

  /** Re-reads the ring if another process changed it. */
  async refresh(): Promise<void> {
    const version = await this.options.store.signingKeyRingVersion();
    if (version === this.snapshot.version) return;
    await this.reload();
  }

  private async reload(): Promise<void> {
    const version = await this.options.store.signingKeyRingVersion();
    const records = await this.options.store.listSigningKeys();
    const next = buildSnapshot(records, version, this.loaded);
    const before = this.snapshot.current.id;
    this.snapshot = next;
    if (next.current.id !== before) this.options.log(`now signing with key ${next.current.id} (was ${before})`);
  }

  /** Starts polling the store for changes made by other processes. */
  startWatching(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error) => this.options.log(`signing key ring: could not refresh: ${(error as Error).message}`));
    }, this.options.refreshIntervalMs ?? 1000);
    this.timer.unref();
  }

  stopWatching(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async keys(): Promise<RingKeyView[]> {
    await this.refresh();
    return this.snapshot.records.map((record) => {
      let fingerprint = '';
      try {
        fingerprint = fingerprintOf(this.loaded.get(record.id) ?? loadSigningKey(record.keyPath, record.certPath));
      } catch {
        fingerprint = '(key files missing)';
      }
      return {
        id: record.id,
        state: record.state,
        published: record.state !== 'retired',
        signing: record.state === 'current',
        notAfter: record.notAfter,
        createdAt: record.createdAt,
        activatedAt: record.activatedAt,
        retiredAt: record.retiredAt,
        fingerprint,
        certPath: record.certPath,
      };
    });
  }

  private async freshRecords(): Promise<SigningKeyRecord[]> {
    await this.refresh();
    return this.snapshot.records;
  }

  /** Step 1: generates the next key pair (files 0600/0644 beside the configured key) and publishes its certificate. */
  async createNext(): Promise<RingKeyView> {
    const records = await this.freshRecords();
    const existing = records.find((r) => r.state === 'next');
    if (existing) throw new KeyRingError(`key ${existing.id} is already the next key: switch to it, or retire it to start over`);
    const bits = Math.max(this.options.modulusLength, MIN_RSA_MODULUS_BITS);
    const { privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
    const certificatePem = createSelfSignedCertificate({ privateKey, commonName: this.options.commonName, validDays: 3650 });
    const id = crypto.createHash('sha256').update(new crypto.X509Certificate(certificatePem).raw).digest('hex').slice(0, 16);
    const dir = path.dirname(path.resolve(this.options.keyPath));
    const keyPath = path.join(dir, `signing-key-${id}.pem`);
    const certPath = path.join(dir, `signing-cert-${id}.pem`);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    await writeNewFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
    try {
      await writeNewFile(certPath, certificatePem, 0o644);
      const key = loadSigningKey(keyPath, certPath);
      await this.options.store.addSigningKey({ id, state: 'next', keyPath, certPath, notAfter: key.notAfter.toISOString() });
    } catch (error) {
      await fs.promises.unlink(keyPath).catch(() => undefined);
      await fs.promises.unlink(certPath).catch(() => undefined);
      if ((error as Error).name === 'StoreConflictError') throw new KeyRingError('another administrator created a next key meanwhile; reload the page');
      throw error;
    }
    await this.reload();
    this.options.log(`created next signing key ${id} (published, not yet signing)`);
    return (await this.keys()).find((k) => k.id === id)!;
  }

  /** Step 2: the next key starts signing; the old current key stays published as "previous". */
  async activateNext(): Promise<void> {
    const records = await this.freshRecords();
    const next = records.find((r) => r.state === 'next');
    if (!next) throw new KeyRingError('there is no next key to switch to: create one first, and upload the metadata that lists it to IAM');
    const previous = records.find((r) => r.state === 'previous');
    if (previous) throw new KeyRingError(`key ${previous.id} from the last rollover is still published: retire it before switching again`);
    const current = records.find((r) => r.state === 'current')!;
    await this.changeStates([
      { id: current.id, from: 'current', to: 'previous' },
      { id: next.id, from: 'next', to: 'current' },
    ]);
  }

  /** Step 3: a previous key (or an unused next key) leaves the metadata for good. The current key cannot be retired. */
  async retire(id: string): Promise<SigningKeyState> {
    const records = await this.freshRecords();
    const record = records.find((r) => r.id === id);
    if (!record) throw new KeyRingError(`there is no signing key ${id}`);
    if (record.state === 'current') throw new KeyRingError(`key ${id} is signing now: switch to another key before retiring it`);
    if (record.state === 'retired') throw new KeyRingError(`key ${id} is already retired`);
    await this.changeStates([{ id, from: record.state, to: 'retired' }]);
    return record.state;
  }

  private async changeStates(changes: Array<{ id: string; from: SigningKeyState; to: SigningKeyState }>): Promise<void> {
    try {
      await this.options.store.changeSigningKeyStates(changes);
    } catch (error) {
      if ((error as Error).name === 'StoreConflictError') throw new KeyRingError((error as Error).message);
      throw error;
    }
    await this.reload();
  }
}

function buildSnapshot(records: SigningKeyRecord[], version: number, loaded: Map<string, SigningKey>): Snapshot {
  const load = (record: SigningKeyRecord): SigningKey => {
    const cached = loaded.get(record.id);
    if (cached) return cached;
    const key = loadSigningKey(record.keyPath, record.certPath);
    if (key.id !== record.id) {
      throw new SigningKeyError(
        'key-certificate-mismatch',
        `Signing key ${record.id} at ${record.certPath} now holds a different certificate (${key.id}); restore the original file`,
        record.certPath,
      );
    }
    loaded.set(record.id, key);
    return key;
  };
  const currentRecord = records.find((r) => r.state === 'current');
  if (!currentRecord) throw new SigningKeyError('io', 'The signing key ring has no current key');
  const current = load(currentRecord);
  const published = PUBLISH_ORDER.flatMap((state) => records.filter((r) => r.state === state)).map(load);
  return { version, records, current, signer: new EnvelopedSigner(current), published };
}

/** O_CREAT|O_EXCL with the final mode from the start: never overwrites, never briefly world-readable. */
async function writeNewFile(filePath: string, contents: string, mode: number): Promise<void> {
  const handle = await fs.promises.open(filePath, 'wx', mode);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
