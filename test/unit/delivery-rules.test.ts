// When a download link works and when its holder is reminded, read as the rules say them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { linkExpiresAt, linkState, shouldWarnOfExpiry, type LinkFacts } from '../../src/domains/delivery/delivery.rules.ts';
import { DAY_MS, HOUR_MS } from '../../src/lib/clock.ts';

const created = new Date('2026-12-01T00:00:00Z');
const expires = linkExpiresAt(created, 14);
const link: LinkFacts & { createdAt: Date; expiryWarnedAt: Date | null } = {
  method: 'electronic',
  expiresAt: expires,
  maxDownloads: 5,
  downloads: 0,
  revokedAt: null,
  createdAt: created,
  expiryWarnedAt: null,
};
const at = (ms: number) => new Date(created.getTime() + ms);

describe('download links', () => {
  test('a link lives for the configured days and downloads, unless revoked; paper has no link', () => {
    assert.equal(expires.toISOString(), '2026-12-15T00:00:00.000Z');
    assert.equal(linkState(link, at(13 * DAY_MS)), 'active');
    assert.equal(linkState(link, expires), 'expired');
    assert.equal(linkState({ ...link, downloads: 5 }, at(DAY_MS)), 'used_up');
    assert.equal(linkState({ ...link, downloads: 4 }, at(DAY_MS)), 'active');
    assert.equal(linkState({ ...link, revokedAt: at(HOUR_MS) }, at(DAY_MS)), 'revoked');
    assert.equal(linkState({ ...link, method: 'paper', expiresAt: null }, at(DAY_MS)), 'paper');
  });

  test('the expiry reminder goes once, within two days of the end, to someone who has not downloaded', () => {
    assert.equal(shouldWarnOfExpiry(link, at(11 * DAY_MS)), false, 'three days ahead is too early');
    assert.equal(shouldWarnOfExpiry(link, at(12 * DAY_MS)), true, 'two days ahead');
    assert.equal(shouldWarnOfExpiry(link, at(14 * DAY_MS - HOUR_MS)), true, 'an hour ahead');
    assert.equal(shouldWarnOfExpiry(link, expires), false, 'too late: it has expired');
    assert.equal(shouldWarnOfExpiry({ ...link, downloads: 1 }, at(13 * DAY_MS)), false, 'already downloaded');
    assert.equal(shouldWarnOfExpiry({ ...link, expiryWarnedAt: at(12 * DAY_MS) }, at(13 * DAY_MS)), false, 'already warned');
    assert.equal(shouldWarnOfExpiry({ ...link, revokedAt: at(DAY_MS) }, at(13 * DAY_MS)), false, 'revoked');
  });

  test('a link that lives two days or less is never "about to expire"', () => {
    const short = { ...link, expiresAt: linkExpiresAt(created, 2) };
    assert.equal(shouldWarnOfExpiry(short, at(HOUR_MS)), false);
    const three = { ...link, expiresAt: linkExpiresAt(created, 3) };
    assert.equal(shouldWarnOfExpiry(three, at(DAY_MS + HOUR_MS)), true);
  });
});
