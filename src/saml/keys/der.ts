/**
 * Minimal DER (ITU-T X.690 §10) encoder: exactly the types an X.509 v3 certificate needs and nothing
 * more, so Sesame can mint its own signing certificate without an ASN.1 dependency.
 *
 * Every function returns one complete TLV. Composite values are built by passing encoded children to
 * `derSequence`/`derSet`/`derExplicit`.
 */

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_PRINTABLE_STRING = 0x13;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_SEQUENCE = 0x30; // constructed
const TAG_SET = 0x31; // constructed
const CONTEXT_CONSTRUCTED = 0xa0;

/** DER length octets: short form below 128, otherwise the minimal long form (X.690 §10.1). */
export function encodeDerLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`DER length must be a non-negative integer, got ${length}`);
  }
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One tag-length-value with a single-octet tag. */
export function derTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeDerLength(content.length), content]);
}

export function derSequence(...children: Buffer[]): Buffer {
  return derTlv(TAG_SEQUENCE, Buffer.concat(children));
}

/**
 * SET OF: DER requires the encodings in ascending byte order (X.690 §11.6); we sort so callers
 * cannot get it wrong. (A certificate name RDN usually holds just one attribute anyway.)
 */
export function derSet(...children: Buffer[]): Buffer {
  return derTlv(TAG_SET, Buffer.concat([...children].sort(Buffer.compare)));
}

/**
 * Non-negative INTEGER. A Buffer is read as an unsigned big-endian magnitude. Redundant leading zero
 * octets are dropped and one 0x00 is prepended when the high bit is set, so the value never reads as
 * negative (X.690 §8.3.2) — the classic bug that makes serials and moduli "negative".
 */
export function derInteger(value: number | bigint | Buffer): Buffer {
  let magnitude: Buffer;
  if (Buffer.isBuffer(value)) {
    magnitude = value;
  } else {
    const big = BigInt(value);
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`DER INTEGER must be a safe integer, got ${value}`);
    }
    if (big < 0n) throw new RangeError('DER INTEGER: negative values are not supported');
    const hex = big.toString(16);
    magnitude = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  }
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let content = magnitude.subarray(start);
  if (content.length === 0) content = Buffer.from([0]);
  if ((content[0] as number) & 0x80) content = Buffer.concat([Buffer.from([0]), content]);
  return derTlv(TAG_INTEGER, content);
}

/** OBJECT IDENTIFIER from dotted form, e.g. "1.2.840.113549.1.1.11" (X.690 §8.19). */
export function derOid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) {
    throw new RangeError(`Not a dotted OID: ${JSON.stringify(dotted)}`);
  }
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (first < 2n && second > 39n) throw new RangeError(`OID ${dotted}: second arc must be < 40`);
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const base128: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) base128.unshift(Number(v & 0x7fn) | 0x80);
    octets.push(...base128);
  }
  return derTlv(TAG_OID, Buffer.from(octets));
}

export function derNull(): Buffer {
  return Buffer.from([TAG_NULL, 0x00]);
}

/** BOOLEAN; DER encodes TRUE as 0xFF (X.690 §11.1). */
export function derBoolean(value: boolean): Buffer {
  return derTlv(TAG_BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

export function derOctetString(content: Buffer): Buffer {
  return derTlv(TAG_OCTET_STRING, content);
}

/**
 * BIT STRING: first content octet is the number of unused bits in the last octet (0–7). DER also
 * requires those unused bits to be zero (X.690 §11.2.1); we check rather than silently mask.
 */
export function derBitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) {
    throw new RangeError(`BIT STRING unused bits must be 0–7, got ${unusedBits}`);
  }
  if (bytes.length === 0 && unusedBits !== 0) {
    throw new RangeError('An empty BIT STRING cannot have unused bits');
  }
  if (bytes.length > 0 && ((bytes[bytes.length - 1] as number) & ((1 << unusedBits) - 1)) !== 0) {
    throw new RangeError('BIT STRING unused bits must be zero in DER');
  }
  return derTlv(TAG_BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function derUtf8String(text: string): Buffer {
  return derTlv(TAG_UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString accepts only A–Z a–z 0–9 space ' ( ) + , - . / : = ? (X.680 §41.4). */
export function derPrintableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) {
    throw new RangeError(`Not a PrintableString: ${JSON.stringify(text)}`);
  }
  return derTlv(TAG_PRINTABLE_STRING, Buffer.from(text, 'ascii'));
}

/**
 * X.509 Time: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise,
 * always UTC with whole seconds — exactly what RFC 5280 §4.1.2.5 allows. Milliseconds are dropped.
 */
export function derTime(date: Date): Buffer {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('derTime: invalid Date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`derTime: year ${year} is out of range`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) {
    return derTlv(TAG_UTC_TIME, Buffer.from(two(year % 100) + rest, 'ascii'));
  }
  return derTlv(TAG_GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'ascii'));
}

/** Context-specific constructed EXPLICIT tag [n], e.g. [0] for the version, [3] for extensions. */
export function derExplicit(tagNumber: number, inner: Buffer): Buffer {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
    throw new RangeError(`Context tag number must be 0–30, got ${tagNumber}`);
  }
  return derTlv(CONTEXT_CONSTRUCTED | tagNumber, inner);
}

/** One decoded TLV; `content` is a view into the input buffer. */
export interface DerElement {
  tag: number;
  content: Buffer;
  /** Offset just past this element in the input buffer. */
  end: number;
}

/**
 * Reads the single-octet-tag TLV starting at `offset`. Only what Sesame needs to pull the public
 * key bits out of a SubjectPublicKeyInfo; not a general BER parser (no indefinite lengths).
 */
export function readDerElement(input: Buffer, offset = 0): DerElement {
  const fail = (why: string): never => {
    throw new RangeError(`Malformed DER at offset ${offset}: ${why}`);
  };
  if (offset + 2 > input.length) fail('truncated header');
  const tag = input[offset] as number;
  if ((tag & 0x1f) === 0x1f) fail('multi-octet tags are not supported');
  const first = input[offset + 1] as number;
  let length: number;
  let headerLength = 2;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) fail('indefinite length is not DER');
    if (count > 4) fail('length too large');
    if (offset + 2 + count > input.length) fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (input[offset + 2 + i] as number);
    headerLength += count;
  }
  const start = offset + headerLength;
  const end = start + length;
  if (end > input.length) fail('content runs past the end of the input');
  return { tag, content: input.subarray(start, end), end };
}
