import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeControlCharacters } from '../../src/cli/sesame';

describe('sesame tables: values from the audit log cannot drive the admin\'s terminal', () => {
  test('ESC, CR, LF, NUL, DEL and C1 controls are shown as \\uXXXX; printable text is unchanged', () => {
    assert.equal(escapeControlCharacters('x\u001b[2K\u001b[1A\r\nforged\u0000\u007f\u0085'), 'x\\u001b[2K\\u001b[1A\\u000d\\u000aforged\\u0000\\u007f\\u0085');
    assert.equal(escapeControlCharacters('https://wiki.example.net/sp é 😀'), 'https://wiki.example.net/sp é 😀');
  });
});
