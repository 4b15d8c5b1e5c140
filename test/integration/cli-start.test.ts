// The README's promise, played as a person would: `madoguchi start` on an empty data
// directory answers /healthz and the OpenAPI document, seeds the sample organisation, prints
// the URLs and a one-time link for the first administrator, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'madoguchi.js');
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MADOGUCHI_') && k !== 'DATABASE_URL'));

describe('the madoguchi command', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('--help on every command says what it does', () => {
    const top = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', env: cleanEnv });
    assert.equal(top.status, 0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)(?: \[options\])?/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    for (const expected of ['start', 'serve', 'worker', 'migrate']) assert.ok(commands.includes(expected), `${expected} is listed`);
    for (const command of commands) {
      const res = spawnSync(process.execPath, [BIN, command ?? '', '--help'], { encoding: 'utf8', env: cleanEnv });
      assert.equal(res.status, 0, `${command} --help exits 0`);
      assert.match(res.stdout, new RegExp(`Usage: madoguchi ${command}`));
      assert.ok(res.stdout.split('\n').filter((l) => l.trim().length > 0).length >= 2, `${command} --help has a description`);
    }
  });

  test('a bad environment variable stops the command with its name, exit code 2 and no stack trace', () => {
    const res = spawnSync(process.execPath, [BIN, 'migrate'], { encoding: 'utf8', env: { ...cleanEnv, MADOGUCHI_PORT: 'http' } });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /MADOGUCHI_PORT: must be a whole number/);
    assert.doesNotMatch(res.stderr, /at .*\.ts:\d+/);
  });

  test('start on an empty data directory: healthz, OpenAPI, the sample organisation and the first administrator link', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mdg-start-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', dataDir], {
      env: { ...cleanEnv, MADOGUCHI_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!/Press Ctrl\+C to stop/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`start did not become ready:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /listening on:\s+(http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(url, 'the listening address is printed');
      assert.match(out, /admin console:\s+http:\/\/localhost:\d+\/admin\//);
      assert.match(out, /email: admin@example\.com/);
      assert.match(out, /\/admin\/setup-password\?token=[A-Za-z0-9_-]{40,}/);
      assert.match(out, /master key was written/);
      const mode = statSync(path.join(dataDir, 'master-key.json')).mode & 0o777;
      assert.equal(mode, 0o600, 'the generated master key is readable by its owner only');

      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      const openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as { openapi: string };
      assert.equal(openapi.openapi, '3.1.0');
      const org = (await (await fetch(`${url}/api/public/organization`)).json()) as { name: { ja: string; en: string } };
      assert.equal(org.name.ja, '株式会社あおば生活舎');
      assert.equal(org.name.en, 'Aoba Seikatsusha Co., Ltd.');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    assert.equal(child.exitCode, 0, `start exits cleanly on SIGTERM:\n${out}`);
  });
});
