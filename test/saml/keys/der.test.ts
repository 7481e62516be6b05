import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
  encodeDerLength,
  readDerElement,
} from '../../../src/saml/keys/der';

const hex = (b: Buffer): string => b.toString('hex');

describe('DER encoder', () => {
  it('encodes lengths in short form below 128 and minimal long form above', () => {
    assert.equal(hex(encodeDerLength(0)), '00');
    assert.equal(hex(encodeDerLength(127)), '7f');
    assert.equal(hex(encodeDerLength(128)), '8180');
    assert.equal(hex(encodeDerLength(255)), '81ff');
    assert.equal(hex(encodeDerLength(256)), '820100');
    assert.equal(hex(encodeDerLength(65536)), '83010000');
    assert.throws(() => encodeDerLength(-1), RangeError);
  });

  it('encodes INTEGER as positive and minimal (0x00 pad only when the high bit is set)', () => {
    assert.equal(hex(derInteger(0)), '020100');
    assert.equal(hex(derInteger(2)), '020102');
    assert.equal(hex(derInteger(127)), '02017f');
    assert.equal(hex(derInteger(128)), '02020080');
    assert.equal(hex(derInteger(256)), '02020100');
    assert.equal(hex(derInteger(65537n)), '0203010001');
    assert.equal(hex(derInteger(Buffer.from('ff01', 'hex'))), '020300ff01');
    assert.equal(hex(derInteger(Buffer.from('00007f', 'hex'))), '02017f');
    assert.equal(hex(derInteger(Buffer.from('000080', 'hex'))), '02020080');
    assert.equal(hex(derInteger(Buffer.alloc(0))), '020100');
    assert.throws(() => derInteger(-1), RangeError);
  });

  it('encodes OBJECT IDENTIFIERs, including multi-octet arcs', () => {
    assert.equal(hex(derOid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
    assert.equal(hex(derOid('2.5.29.19')), '0603551d13');
    assert.equal(hex(derOid('2.5.4.3')), '0603550403');
    assert.equal(hex(derOid('2.999.3')), '0603883703');
    assert.throws(() => derOid('1.40'), RangeError);
    assert.throws(() => derOid('1'), RangeError);
    assert.throws(() => derOid('1.2.03'), RangeError);
  });

  it('encodes NULL, BOOLEAN (TRUE is 0xFF), OCTET STRING and BIT STRING', () => {
    assert.equal(hex(derNull()), '0500');
    assert.equal(hex(derBoolean(true)), '0101ff');
    assert.equal(hex(derBoolean(false)), '010100');
    assert.equal(hex(derOctetString(Buffer.from('abcd', 'hex'))), '0402abcd');
    assert.equal(hex(derBitString(Buffer.from('abcd', 'hex'))), '030300abcd');
    assert.equal(hex(derBitString(Buffer.from([0x80]), 7)), '03020780');
    assert.throws(() => derBitString(Buffer.from([0x81]), 7), RangeError);
    assert.throws(() => derBitString(Buffer.alloc(0), 1), RangeError);
  });

  it('encodes UTF8String and PrintableString, refusing non-printable characters in the latter', () => {
    assert.equal(hex(derUtf8String('é')), '0c02c3a9');
    assert.equal(hex(derPrintableString('Sesame IdP')), '130a536573616d6520496450');
    assert.throws(() => derPrintableString('a@b'), RangeError);
    assert.throws(() => derPrintableString('é'), RangeError);
  });

  it('uses UTCTime for 1950–2049 and GeneralizedTime otherwise (RFC 5280 4.1.2.5), whole seconds, Z', () => {
    assert.equal(derTime(new Date('2049-12-31T23:59:59.999Z')).toString('latin1'), '\x17\x0d491231235959Z');
    assert.equal(derTime(new Date('2050-01-01T00:00:00Z')).toString('latin1'), '\x18\x0f20500101000000Z');
    assert.equal(derTime(new Date('1950-01-01T00:00:00Z')).toString('latin1'), '\x17\x0d500101000000Z');
    assert.equal(derTime(new Date('1949-12-31T23:59:59Z')).toString('latin1'), '\x18\x0f19491231235959Z');
    assert.equal(derTime(new Date('2026-03-04T05:06:07Z')).toString('latin1'), '\x17\x0d260304050607Z');
    assert.throws(() => derTime(new Date(NaN)), RangeError);
  });

  it('builds SEQUENCE, sorted SET OF and EXPLICIT context tags [0] and [3]', () => {
    assert.equal(hex(derSequence()), '3000');
    assert.equal(hex(derSequence(derNull(), derInteger(1))), '30050500020101');
    assert.equal(hex(derSet(derInteger(2), derInteger(1))), '3106020101020102');
    assert.equal(hex(derExplicit(0, derInteger(2))), 'a003020102');
    assert.equal(hex(derExplicit(3, derSequence())), 'a3023000');
  });

  it('uses long-form lengths for large contents and reads them back', () => {
    const big = derOctetString(Buffer.alloc(300, 1));
    assert.equal(hex(big.subarray(0, 4)), '0482012c');
    const element = readDerElement(big);
    assert.equal(element.tag, 0x04);
    assert.equal(element.content.length, 300);
    assert.equal(element.end, big.length);
    assert.throws(() => readDerElement(big.subarray(0, 100)), RangeError);
    assert.throws(() => readDerElement(Buffer.from('3080', 'hex')), RangeError);
  });
});
