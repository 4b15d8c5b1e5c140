import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, {}, '/srv/madoguchi');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  test('the embedded default: PGlite in ./data, port 3000, no SMTP, MFA for admins and privacy officers', () => {
    const c = loadConfig({}, {}, '/srv/madoguchi');
    assert.deepEqual(c.database, { kind: 'pglite', dataDir: '/srv/madoguchi/data/pglite' });
    assert.equal(c.http.port, 3000);
    assert.equal(c.http.baseUrl, 'http://localhost:3000');
    assert.equal(c.smtp, null);
    assert.equal(c.masterKey, null);
    assert.deepEqual(c.auth.mfaRequiredRoles, ['admin', 'privacy_officer']);
  });

  test('DATABASE_URL switches to PostgreSQL and then requires an explicit master key', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://db/madoguchi' });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^MADOGUCHI_MASTER_KEY: required when DATABASE_URL is set/);
    const c = loadConfig({ DATABASE_URL: 'postgres://db/madoguchi', MADOGUCHI_MASTER_KEY: KEY });
    assert.deepEqual(c.database, { kind: 'postgres', url: 'postgres://db/madoguchi' });
    assert.equal(c.masterKey?.current.length, 32);
  });

  test('every bad variable is named in one error', () => {
    const problems = problemsOf({
      MADOGUCHI_PORT: 'eighty',
      MADOGUCHI_SMTP_URL: 'mail.example.com',
      MADOGUCHI_LOG_LEVEL: 'loud',
      MADOGUCHI_MASTER_KEY: 'short',
    });
    const named = problems.map((p) => p.split(':')[0]).sort();
    assert.deepEqual(named, ['MADOGUCHI_LOG_LEVEL', 'MADOGUCHI_MASTER_KEY', 'MADOGUCHI_PORT', 'MADOGUCHI_SMTP_URL']);
    assert.ok(problems.some((p) => /smtp:\/\/user:pass@host:587/.test(p)), 'the SMTP message shows the expected form');
  });

  test('an unknown MFA role is refused with the list of roles', () => {
    const problems = problemsOf({ MADOGUCHI_REQUIRE_MFA_ROLES: 'admin,root' });
    assert.match(problems[0] ?? '', /MADOGUCHI_REQUIRE_MFA_ROLES: unknown role\(s\) root; roles are admin, privacy_officer/);
  });

  test('flags win over the environment, the environment over the config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-cfg-'));
    const file = path.join(dir, 'madoguchi.json');
    writeFileSync(file, JSON.stringify({ MADOGUCHI_PORT: 4100, MADOGUCHI_LOG_LEVEL: 'debug', MADOGUCHI_BASE_URL: 'https://privacy.example.jp/' }));
    const fromFile = loadConfig({ MADOGUCHI_CONFIG_FILE: file });
    assert.equal(fromFile.http.port, 4100);
    assert.equal(fromFile.logLevel, 'debug');
    assert.equal(fromFile.http.baseUrl, 'https://privacy.example.jp');
    const envWins = loadConfig({ MADOGUCHI_CONFIG_FILE: file, MADOGUCHI_PORT: '4200' });
    assert.equal(envWins.http.port, 4200);
    const flagWins = loadConfig({ MADOGUCHI_CONFIG_FILE: file, MADOGUCHI_PORT: '4200' }, { port: 4300 });
    assert.equal(flagWins.http.port, 4300);
  });

  test('a config file with an unknown setting is refused by name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-cfg-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ MADOGUCHI_PROT: 1 }));
    const problems = problemsOf({ MADOGUCHI_CONFIG_FILE: file });
    assert.match(problems[0] ?? '', /unknown setting MADOGUCHI_PROT/);
  });
});
