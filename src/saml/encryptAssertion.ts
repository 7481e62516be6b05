import { constants, createCipheriv, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { SAML_NS } from './buildResponse';
import { DSIG_NS } from './xmlDsig';

export const XENC_NS = 'http://www.w3.org/2001/04/xmlenc#';
export const ENC_AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
export const KEY_RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const DIGEST_SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const TYPE_ELEMENT = 'http://www.w3.org/2001/04/xmlenc#Element';

export interface EncryptionKey {
  /** The SP's encryption certificate, base64 DER, from its metadata. */
  certificateBase64: string;
}

/**
 * XML Encryption of a signed Assertion into saml:EncryptedAssertion: AES-256-GCM content encryption
 * (xmlenc11; CipherValue = 12-byte IV ‖ ciphertext ‖ 16-byte tag, as XML Encryption 1.1 §5.2.4
 * defines it) under a fresh key, RSA-OAEP key transport to the SP's certificate with the SHA-1
 * OAEP digest and MGF1-SHA1 (xmlenc#rsa-oaep-mgf1p) that xmlsec1 (python-saml, pysaml2),
 * xmlseclibs (SimpleSAMLphp) and xml-encryption (node-saml) all decrypt. xmlenc11#rsa-oaep is not
 * offered: xmlsec1 1.2.37 (Debian 12) does not know it. The OAEP digest only masks the key; it is
 * not a signature, so SHA-1 there is not the SHA-1 the signature allow-list refuses.
 *
 * The output is already in exclusive-C14N form (each element declares the prefixes it uses,
 * explicit end tags), so a Response signature over it digests the text we send.
 */
export function encryptAssertion(assertionXml: string, key: EncryptionKey): string {
  const contentKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', contentKey, iv);
  const ciphertext = Buffer.concat([iv, cipher.update(assertionXml, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const publicKey = new X509Certificate(Buffer.from(key.certificateBase64, 'base64')).publicKey;
  const encryptedKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey);
  return (
    `<saml:EncryptedAssertion xmlns:saml="${SAML_NS}">` +
    `<xenc:EncryptedData xmlns:xenc="${XENC_NS}" Type="${TYPE_ELEMENT}">` +
    `<xenc:EncryptionMethod Algorithm="${ENC_AES256_GCM}"></xenc:EncryptionMethod>` +
    `<ds:KeyInfo xmlns:ds="${DSIG_NS}"><xenc:EncryptedKey>` +
    `<xenc:EncryptionMethod Algorithm="${KEY_RSA_OAEP_MGF1P}"><ds:DigestMethod Algorithm="${DIGEST_SHA1}"></ds:DigestMethod></xenc:EncryptionMethod>` +
    `<xenc:CipherData><xenc:CipherValue>${encryptedKey.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${ciphertext.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData></saml:EncryptedAssertion>`
  );
}
