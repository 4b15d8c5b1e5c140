import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { bootstrap } from '../../src/app/bootstrap.ts';
import type { AppContext } from '../../src/app/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { generateMasterKey, rotateMasterKey } from '../../src/domains/keys/keys.service.ts';
import { createVault } from '../../src/domains/vault/vault.service.ts';
import { KEY_FILE_NAME, masterKeyId, openKeyring } from '../../src/lib/keyring.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, testEnv, type TestApp } from '../helpers/app.ts';

interface Snapshot {
  blobs: Map<string, { ciphertext: string | null; iv: string | null; tag: string | null }>;
  keys: Map<string, { masterKeyId: string; wrapped: string | null }>;
}

const hex = (b: Buffer | null) => (b ? b.toString('hex') : null);

async function snapshot(ctx: AppContext): Promise<Snapshot> {
  const blobs = await ctx.db.selectFrom('encrypted_blobs').select(['id', 'ciphertext', 'iv', 'auth_tag']).execute();
  const keys = await ctx.db.selectFrom('data_keys').select(['id', 'master_key_id', 'wrapped_key']).execute();
  return {
    blobs: new Map(blobs.map((b) => [b.id, { ciphertext: hex(b.ciphertext), iv: hex(b.iv), tag: hex(b.auth_tag) }])),
    keys: new Map(keys.map((k) => [k.id, { masterKeyId: k.master_key_id, wrapped: hex(k.wrapped_key) }])),
  };
}

/** Three objects, one of them disposed: what a rotation must carry over (or leave dead). */
async function storeObjects(t: TestApp) {
  const contents = ['運転免許証 佐藤 花子', '{"account":"A-1029"}', '開示データ 一式'];
  const ids: string[] = [];
  for (const text of contents) {
    const blob = await t.ctx.db.transaction().execute((trx) =>
      t.ctx.vault.store(trx, { kind: 'test', contentType: 'text/plain', bytes: Buffer.from(text, 'utf8'), now: t.clock.now() }),
    );
    ids.push(blob.id);
  }
  const disposedId = ids.pop();
  assert.ok(disposedId);
  assert.equal(await t.ctx.vault.dispose(t.ctx.db, disposedId, t.clock.now()), true);
  return { live: ids.map((id, i) => ({ id, text: contents[i] })), disposedId };
}

async function liveKeyMasters(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.db.selectFrom('data_keys').select('master_key_id').where('wrapped_key', 'is not', null).execute();
  return rows.map((r) => r.master_key_id);
}

async function assertReadable(ctx: AppContext, live: Array<{ id: string; text: string | undefined }>, disposedId: string) {
  for (const obj of live) {
    const { bytes } = await ctx.vault.read(ctx.db, obj.id);
    assert.equal(bytes.toString('utf8'), obj.text);
  }
  await assert.rejects(ctx.vault.read(ctx.db, disposedId), (err: Error & { code?: string }) => err.code === 'not_found');
}

function assertObjectsUntouched(before: Snapshot, after: Snapshot, disposedId: string) {
  assert.equal(after.blobs.size, before.blobs.size);
  for (const [id, blob] of before.blobs) assert.deepEqual(after.blobs.get(id), blob, `object ${id} changed`);
  const disposed = after.blobs.get(disposedId);
  assert.deepEqual(disposed, { ciphertext: null, iv: null, tag: null });
}

for (const engine of ENGINES) {
  describe(`master-key rotation, embedded key file [${engine}]`, () => {
    test('rotation re-wraps every data key under a new key, retires the old key and leaves the objects as they were', async () => {
      // An empty MADOGUCHI_MASTER_KEY counts as unset: the keyring lives in the data directory.
      const t = await startTestApp(engine, { env: { MADOGUCHI_MASTER_KEY: '' } });
      try {
        const ring = t.ctx.vault.keyring();
        assert.equal(ring.source.kind, 'file');
        const keyFile = path.join(t.config.dataDir, KEY_FILE_NAME);
        const oldId = ring.currentId;
        const oldKeyText = (JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: Array<{ key: string }> }).keys[0]?.key;
        assert.ok(oldKeyText);

        const { live, disposedId } = await storeObjects(t);
        const before = await snapshot(t.ctx);
        const progress: number[] = [];

        const report = await rotateMasterKey(t.ctx, { onProgress: (done) => progress.push(done) });

        assert.equal(report.mode, 'file');
        assert.equal(report.rewrapped, live.length);
        assert.deepEqual(report.fromKeyIds, [oldId]);
        assert.notEqual(report.toKeyId, oldId);
        assert.deepEqual(report.retiredKeyIds, [oldId]);
        assert.deepEqual(report.stillReferencedKeyIds, []);
        assert.equal(progress[progress.length - 1], live.length);

        const masters = await liveKeyMasters(t.ctx);
        assert.equal(masters.length, live.length);
        assert.ok(masters.every((id) => id === report.toKeyId));
        const after = await snapshot(t.ctx);
        assertObjectsUntouched(before, after, disposedId);
        for (const [id, key] of before.keys) {
          if (key.wrapped === null) continue;
          assert.notEqual(after.keys.get(id)?.wrapped, key.wrapped, `data key ${id} was re-wrapped`);
        }

        const file = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string; keys: Array<{ id: string; key: string }> };
        assert.equal(file.current, report.toKeyId);
        assert.deepEqual(file.keys.map((k) => k.id), [report.toKeyId]);
        const newKey = file.keys[0]?.key ?? '';
        assert.equal(masterKeyId(Buffer.from(newKey, 'base64')), report.toKeyId);

        await assertReadable(t.ctx, live, disposedId);
        // A process started after the rotation reads the key file afresh and still reads everything.
        const reopened = openKeyring(t.config);
        assert.equal(reopened.created, false);
        assert.equal(reopened.keyring.currentId, report.toKeyId);
        assert.equal(reopened.keyring.get(oldId), undefined);
        await assertReadable({ ...t.ctx, vault: createVault(reopened.keyring) }, live, disposedId);

        const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'keys.rotated').executeTakeFirstOrThrow();
        assert.equal(audit.actor_type, 'system');
        assert.deepEqual(
          { rewrapped: audit.details.rewrapped, fromKeyIds: audit.details.fromKeyIds, toKeyId: audit.details.toKeyId },
          { rewrapped: live.length, fromKeyIds: [oldId], toKeyId: report.toKeyId },
        );
        const text = JSON.stringify(audit);
        assert.equal(text.includes(oldKeyText), false, 'no key material in the audit log');
        assert.equal(text.includes(newKey), false, 'no key material in the audit log');
      } finally {
        await t.close();
      }
    });
  });

  describe(`master-key rotation, keys from the environment [${engine}]`, () => {
    test('after the operator sets a new key and keeps the old one as previous, rotation moves everything to the new key', async () => {
      const t = await startTestApp(engine);
      try {
        assert.equal(t.ctx.vault.keyring().source.kind, 'environment');
        const oldKey = t.config.masterKey?.current.toString('base64');
        assert.ok(oldKey);
        const oldId = t.ctx.vault.keyring().currentId;
        const { live, disposedId } = await storeObjects(t);
        const before = await snapshot(t.ctx);

        // The operator restarts with the new key current and the old one as previous.
        const fresh = generateMasterKey();
        const restart = async (env: Record<string, string>) =>
          (
            await bootstrap(loadConfig(testEnv(t.config.dataDir, env)), {
              database: t.database,
              migrate: false,
              clock: t.clock,
              logger: createLogger('silent'),
            })
          ).ctx;
        const rotating = await restart({ MADOGUCHI_MASTER_KEY: fresh.key, MADOGUCHI_PREVIOUS_MASTER_KEYS: oldKey });
        assert.equal(rotating.vault.keyring().currentId, fresh.id);

        const report = await rotateMasterKey(rotating, { actor: { type: 'staff', id: 'stf_operator' } });
        assert.equal(report.mode, 'environment');
        assert.equal(report.rewrapped, live.length);
        assert.deepEqual(report.fromKeyIds, [oldId]);
        assert.equal(report.toKeyId, fresh.id);
        assert.deepEqual(report.removableKeyIds, [oldId]);
        assert.deepEqual(report.retiredKeyIds, []);
        assert.deepEqual(report.stillReferencedKeyIds, []);

        assert.ok((await liveKeyMasters(rotating)).every((id) => id === fresh.id));
        assertObjectsUntouched(before, await snapshot(rotating), disposedId);
        await assertReadable(rotating, live, disposedId);

        // Once the report says so, the old key can go: the new key alone reads everything.
        const afterwards = await restart({ MADOGUCHI_MASTER_KEY: fresh.key });
        await assertReadable(afterwards, live, disposedId);

        const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'keys.rotated').executeTakeFirstOrThrow();
        assert.equal(audit.actor_id, 'stf_operator');
        assert.deepEqual(audit.details.removableKeyIds, [oldId]);
        assert.equal(JSON.stringify(audit).includes(fresh.key), false);
        assert.equal(JSON.stringify(audit).includes(oldKey), false);

        // Rotating again with nothing left on an old key changes nothing.
        const again = await rotateMasterKey(afterwards);
        assert.equal(again.rewrapped, 0);
        assert.deepEqual(again.fromKeyIds, []);
      } finally {
        await t.close();
      }
    });

    test('rotation refuses to start when a key that data still needs is missing, and changes nothing', async () => {
      const t = await startTestApp(engine);
      try {
        const oldId = t.ctx.vault.keyring().currentId;
        const { live, disposedId } = await storeObjects(t);
        const before = await snapshot(t.ctx);
        const unrelated = generateMasterKey();
        const booted = await bootstrap(loadConfig(testEnv(t.config.dataDir, { MADOGUCHI_MASTER_KEY: unrelated.key })), {
          database: t.database,
          migrate: false,
          clock: t.clock,
          logger: createLogger('silent'),
        });
        await assert.rejects(
          rotateMasterKey(booted.ctx),
          (err: Error & { code?: string; details?: Array<{ message?: string }> }) =>
            err.code === 'master_key_unavailable' && err.details?.[0]?.message === `master key ${oldId}`,
        );
        assert.deepEqual(await snapshot(t.ctx), before);
        await assertReadable(t.ctx, live, disposedId);
        const rotated = await t.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'keys.rotated').execute();
        assert.equal(rotated.length, 0);
      } finally {
        await t.close();
      }
    });
  });
}
