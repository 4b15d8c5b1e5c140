import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { sql } from 'kysely';
import { registerAuditCommands } from '../../src/cli/audit.command.ts';
import { CliExit, type CliEnvironment } from '../../src/cli/context.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { appendAudit } from '../../src/domains/audit/audit.service.ts';
import { testEnv } from '../helpers/app.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

const BASE = Date.UTC(2030, 0, 1);

interface Run {
  out: string[];
  err: string[];
  exitCode: number;
}

/** Runs `madoguchi audit …` in this process, as bin/madoguchi.js would, capturing output. */
async function madoguchi(env: Record<string, string>, cwd: string, args: string[]): Promise<Run> {
  const run: Run = { out: [], err: [], exitCode: 0 };
  const cli: CliEnvironment = { env, cwd, out: (l) => run.out.push(l), err: (l) => run.err.push(l) };
  const program = new Command('madoguchi')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out(s.trimEnd()), writeErr: (s) => cli.err(s.trimEnd()) });
  registerAuditCommands(program, cli);
  try {
    await program.parseAsync(['node', 'madoguchi', ...args]);
  } catch (err) {
    if (err instanceof CliExit || err instanceof CommanderError) run.exitCode = err.exitCode;
    else throw err;
  }
  return run;
}

describe('madoguchi audit --help', () => {
  test('the audit commands and their options describe themselves', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-audit-help-'));
    try {
      const env = testEnv(dir);
      const top = await madoguchi(env, dir, ['audit', '--help']);
      assert.match(top.out.join('\n'), /verify \[options\]\s+Recompute the hash chain/);
      assert.match(top.out.join('\n'), /export \[options\]\s+Write audit entries as JSON lines/);
      const verify = await madoguchi(env, dir, ['audit', 'verify', '--help']);
      assert.match(verify.out.join('\n'), /first broken entry \(seq, id, reason\)/);
      const exp = await madoguchi(env, dir, ['audit', 'export', '--help']);
      for (const option of ['--from <when>', '--to <when>', '--output <file>']) assert.ok(exp.out.join('\n').includes(option), option);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const engine of ENGINES) {
  describe(`madoguchi audit verify and export [${engine}]`, () => {
    let dir: string;
    let env: Record<string, string>;
    let pgDatabase: TestDatabase | undefined;

    /** The same database the command opens; PGlite allows one opener at a time, so briefly. */
    async function withDb<T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<T> {
      const h =
        engine === 'pglite'
          ? await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pglite') })
          : await openDatabase({ kind: 'postgres', url: String(pgDatabase?.url) }, { poolSize: 2 });
      try {
        return await fn(h);
      } finally {
        await h.close();
      }
    }

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-audit-cli-'));
      if (engine === 'postgres') {
        pgDatabase = await freshDatabase('postgres');
        env = testEnv(dir, { DATABASE_URL: String(pgDatabase.url) });
      } else {
        env = testEnv(dir);
      }
      await withDb(async (h) => {
        await migrateToLatest(h.db as never);
        await h.db.transaction().execute((trx) =>
          appendAudit(
            trx,
            Array.from({ length: 12 }, (_, i) => ({
              action: 'email.sent' as const,
              actor: { type: 'system' as const, id: 'job:mail' },
              target: { type: 'outbox', id: `out_${i}` },
              details: { i },
              at: new Date(BASE + i * 86_400_000),
            })),
          ),
        );
      });
    });
    after(async () => {
      await pgDatabase?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('verify prints the count and OK on an intact log', async () => {
      const run = await madoguchi(env, dir, ['audit', 'verify']);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      const m = /^OK: the audit log is intact \((\d+) entries, head at seq (\d+)\)\.$/.exec(run.out.join('\n'));
      assert.ok(m, run.out.join('\n'));
      assert.equal(m[1], m[2]);
      assert.ok(Number(m[1]) >= 12, 'the 12 entries written before, and any export records since');
    });

    test('export writes the chosen days to a file as JSON lines and records the export', async () => {
      const file = path.join(dir, 'audit-march.jsonl');
      const run = await madoguchi(env, dir, [
        'audit', 'export', '--from', new Date(BASE + 3 * 86_400_000).toISOString(), '--to', '2030-01-08', '--output', 'audit-march.jsonl',
      ]);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      assert.match(run.out.join('\n'), /Exported 4 audit entries to audit-march\.jsonl\./);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as { details: { i: number } }).details.i), [3, 4, 5, 6]);
      assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner may read the exported log');
      const recorded = await withDb((h) =>
        h.db.selectFrom('audit_log').select(['action', 'actor_id', 'details']).orderBy('seq', 'desc').executeTakeFirstOrThrow(),
      );
      assert.equal(recorded.action, 'audit.exported');
      assert.equal(recorded.actor_id, 'cli:audit');
      assert.deepEqual(recorded.details, { entries: 4, from: '2030-01-04T00:00:00.000Z', to: '2030-01-08T00:00:00.000Z', destination: 'file', completed: true });
    });

    test('export without --output writes clean JSON lines to standard output', async () => {
      const run = await madoguchi(env, dir, ['audit', 'export', '--from', '2030-01-01', '--to', '2030-01-03']);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      assert.deepEqual(run.out.map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2]);
      assert.match(run.err.join('\n'), /Exported 2 audit entries\./);
    });

    test('a bad date or an empty range is refused before anything is exported', async () => {
      const bad = await madoguchi(env, dir, ['audit', 'export', '--from', 'last tuesday']);
      assert.notEqual(bad.exitCode, 0);
      assert.match(bad.err.join('\n'), /ISO 8601/);
      const empty = await madoguchi(env, dir, ['audit', 'export', '--from', '2030-02-01', '--to', '2030-01-01']);
      assert.equal(empty.exitCode, 2);
      assert.match(empty.err.join('\n'), /--from must be before --to/);
    });

    test('verify names the first broken entry and exits with code 1', async () => {
      const victim = await withDb(async (h) => {
        await sql`update audit_log set details = '{"i": 99}' where seq = 5`.execute(h.db);
        return (await h.db.selectFrom('audit_log').select('id').where('seq', '=', 5).executeTakeFirstOrThrow()).id;
      });
      try {
        const run = await madoguchi(env, dir, ['audit', 'verify']);
        assert.equal(run.exitCode, 1);
        const text = run.out.join('\n');
        assert.match(text, /^BROKEN: the audit log does not verify\. 4 entries before the break are intact\./);
        assert.ok(text.includes(`first broken entry: seq 5, id ${victim}`), text);
        assert.match(text, /reason: hash_mismatch: .*changed after it was written/);
      } finally {
        await withDb((h) => sql`update audit_log set details = '{"i": 4}' where seq = 5`.execute(h.db));
      }
      assert.equal((await madoguchi(env, dir, ['audit', 'verify'])).exitCode, 0);
    });
  });
}
