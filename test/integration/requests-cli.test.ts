import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { bootstrap } from '../../src/app/bootstrap.ts';
import { registerRequestCommands } from '../../src/cli/request.command.ts';
import { CliExit, type CliEnvironment } from '../../src/cli/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { listAudit } from '../../src/domains/audit/audit.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { createStaff } from '../../src/domains/staff/staff.service.ts';
import { buildServer } from '../../src/http/server.ts';
import { AdjustableClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { testEnv, type TestApp } from '../helpers/app.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { submitVerifiedRequest } from '../helpers/requests.ts';

interface Run {
  out: string[];
  err: string[];
  exitCode: number;
}

/** Runs `madoguchi request …` in this process, as bin/madoguchi.js would, capturing output. */
async function madoguchi(env: Record<string, string>, cwd: string, args: string[]): Promise<Run> {
  const run: Run = { out: [], err: [], exitCode: 0 };
  const cli: CliEnvironment = { env, cwd, out: (l) => run.out.push(l), err: (l) => run.err.push(l) };
  const program = new Command('madoguchi')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out(s.trimEnd()), writeErr: (s) => cli.err(s.trimEnd()) });
  registerRequestCommands(program, cli);
  try {
    await program.parseAsync(['node', 'madoguchi', ...args]);
  } catch (err) {
    if (err instanceof CliExit || err instanceof CommanderError) run.exitCode = err.exitCode;
    else throw err;
  }
  return run;
}

for (const engine of ENGINES) {
  describe(`madoguchi request (${engine})`, () => {
    let dir: string;
    let env: Record<string, string>;
    let pg: TestDatabase | undefined;
    let handlerEmail: string;
    let handlerId: string;
    const requests: Record<'first' | 'second' | 'correction', { id: string; reference: string }> = {
      first: { id: '', reference: '' },
      second: { id: '', reference: '' },
      correction: { id: '', reference: '' },
    };

    /**
     * The same database the command opens, served over HTTP for the public submission helper;
     * PGlite allows one opener at a time, so it is closed again before a command runs.
     */
    async function withApp<T>(fn: (t: TestApp) => Promise<T>): Promise<T> {
      const config = loadConfig(env);
      const handle = await openDatabase(config.database);
      const clock = new AdjustableClock();
      const booted = await bootstrap(config, { database: handle, clock, logger: createLogger('silent') });
      const app = await buildServer(booted.ctx);
      await app.ready();
      const t: TestApp = { engine, ctx: booted.ctx, app, clock, config, database: { ...handle, engine }, close: async () => {} };
      try {
        return await fn(t);
      } finally {
        await app.close();
        await booted.close();
      }
    }

    async function statusOf(id: string): Promise<{ status: string; assignee_id: string | null; fee_status: string }> {
      return withApp((t) => t.ctx.db.selectFrom('requests').select(['status', 'assignee_id', 'fee_status']).where('id', '=', id).executeTakeFirstOrThrow());
    }

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-request-cli-'));
      if (engine === 'postgres') {
        pg = await freshDatabase('postgres');
        env = testEnv(dir, { DATABASE_URL: String(pg.url) });
      } else {
        env = testEnv(dir);
      }
      await withApp(async (t) => {
        await seedSampleOrganization(t.ctx);
        const staff = await createStaff(t.ctx, { email: 'handler-cli@example.test', role: 'handler', displayName: '高橋 次郎' }, SYSTEM_ACTOR);
        handlerEmail = 'handler-cli@example.test';
        handlerId = staff.staff.id;
        for (const [key, type] of [['first', 'disclosure'], ['second', 'disclosure'], ['correction', 'correction']] as const) {
          const r = await submitVerifiedRequest(t, { type });
          requests[key] = { id: r.id, reference: r.reference };
        }
      });
    });
    after(async () => {
      await pg?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('list prints the open requests without personal data, as text or JSON', async () => {
      const text = await madoguchi(env, dir, ['request', 'list', '--status', 'identity_review']);
      assert.equal(text.exitCode, 0, text.err.join('\n'));
      const joined = text.out.join('\n');
      for (const r of Object.values(requests)) assert.match(joined, new RegExp(`${r.reference}\\s+identity_review`));
      assert.match(joined, /3 requests\./);
      assert.doesNotMatch(joined, /山田/);

      const json = await madoguchi(env, dir, ['request', 'list', '--json']);
      const body = JSON.parse(json.out.join('\n')) as { requests: Record<string, unknown>[] };
      assert.equal(body.requests.length, 3);
      assert.ok(body.requests.every((r) => !('personName' in r)));

      const bad = await madoguchi(env, dir, ['request', 'list', '--status', 'opened']);
      assert.notEqual(bad.exitCode, 0);
      assert.match(bad.err.join('\n'), /unknown status opened/);
    });

    test('show finds a request by reference and prints where it stands', async () => {
      const run = await madoguchi(env, dir, ['request', 'show', requests.first.reference]);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      const joined = run.out.join('\n');
      assert.match(joined, new RegExp(`^${requests.first.reference} \\(${requests.first.id}\\)`));
      assert.match(joined, /status: identity_review/);
      assert.match(joined, /person: 山田 太郎/);
      assert.match(joined, /possible next: request_documents, identity_verified_fee_due, identity_verified, identity_rejected, withdraw/);
      const missing = await madoguchi(env, dir, ['request', 'show', 'R-20000101-AAAAAA']);
      assert.equal(missing.exitCode, 1);
      assert.match(missing.err.join('\n'), /refused: not_found/);
    });

    test('assign, verify identity and record the payment: each step audited as the system actor "cli"', async () => {
      const assign = await madoguchi(env, dir, ['request', 'assign', requests.first.id, '--to', handlerEmail.toUpperCase()]);
      assert.equal(assign.exitCode, 0, assign.err.join('\n'));
      assert.equal((await statusOf(requests.first.id)).assignee_id, handlerId);

      const incomplete = await madoguchi(env, dir, [
        'request', 'verify-identity', requests.first.id, '--decision', 'more-documents', '--name', 'match', '--address', 'match', '--date-of-birth', 'match',
      ]);
      assert.equal(incomplete.exitCode, 2);
      assert.match(incomplete.err.join('\n'), /--message is needed/);
      const noChecklist = await madoguchi(env, dir, ['request', 'verify-identity', requests.first.id, '--decision', 'verified']);
      assert.notEqual(noChecklist.exitCode, 0);
      assert.equal((await statusOf(requests.first.id)).status, 'identity_review', 'nothing changed');

      const verify = await madoguchi(env, dir, [
        'request', 'verify-identity', requests.first.reference, '--decision', 'verified', '--name', 'match', '--address', 'not-shown', '--date-of-birth', 'match',
      ]);
      assert.equal(verify.exitCode, 0, verify.err.join('\n'));
      assert.match(verify.out.join('\n'), /awaiting_fee; fee of ¥1000 asked/);

      const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
      const pay = await madoguchi(env, dir, ['request', 'record-payment', requests.first.id, '--amount', '1000', '--paid-on', today, '--reference', 'TX-42', '--payer', 'ヤマダ タロウ']);
      assert.equal(pay.exitCode, 0, pay.err.join('\n'));
      assert.match(pay.out.join('\n'), /the fee is settled and the request is in_progress/);
      assert.deepEqual(await statusOf(requests.first.id).then((s) => [s.status, s.fee_status]), ['in_progress', 'paid']);

      const entries = await withApp(async (t) => (await listAudit(t.ctx.db, { targetType: 'request', targetId: requests.first.id, actorType: 'system', actorId: 'cli', limit: 200 })).entries);
      const actions = new Set(entries.map((e) => e.action));
      for (const action of ['request.assigned', 'request.identity_checked', 'request.fee_set', 'request.payment_recorded', 'request.status_changed']) {
        assert.ok(actions.has(action), action);
      }
    });

    test('waive-fee settles the fee; on a correction fee actions are refused with fee_not_applicable', async () => {
      const verify = await madoguchi(env, dir, [
        'request', 'verify-identity', requests.second.id, '--decision', 'verified', '--name', 'match', '--address', 'match', '--date-of-birth', 'match',
      ]);
      assert.equal(verify.exitCode, 0, verify.err.join('\n'));
      const waive = await madoguchi(env, dir, ['request', 'waive-fee', requests.second.id, '--reason', '経済的困窮のため']);
      assert.equal(waive.exitCode, 0, waive.err.join('\n'));
      assert.deepEqual(await statusOf(requests.second.id).then((s) => [s.status, s.fee_status]), ['in_progress', 'waived']);

      const refused = await madoguchi(env, dir, ['request', 'record-payment', requests.correction.id, '--amount', '500', '--paid-on', '2026-01-05', '--reference', 'TX-1']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.err.join('\n'), /refused: fee_not_applicable/);
      const badDate = await madoguchi(env, dir, ['request', 'record-payment', requests.correction.id, '--amount', '500', '--paid-on', 'yesterday', '--reference', 'TX-1']);
      assert.notEqual(badDate.exitCode, 0);
      assert.match(badDate.err.join('\n'), /YYYY-MM-DD/);
    });
  });
}
