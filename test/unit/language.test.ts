import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickLanguage } from '../../src/lib/language.ts';

test('Japanese is the default; English is chosen when the client prefers it', () => {
  assert.equal(pickLanguage(undefined), 'ja');
  assert.equal(pickLanguage('fr-FR, de;q=0.8'), 'ja');
  assert.equal(pickLanguage('en-US,en;q=0.9'), 'en');
  assert.equal(pickLanguage('ja,en;q=0.9'), 'ja');
  assert.equal(pickLanguage('ja;q=0.4,en;q=0.8'), 'en');
  assert.equal(pickLanguage('en;q=0'), 'ja');
});
