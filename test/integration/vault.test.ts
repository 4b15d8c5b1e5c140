import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

for (const engine of ENGINES) {
  describe(`envelope encryption [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('a stored object round-trips, and neither its bytes nor its data key are stored in clear', async () => {
      const secret = Buffer.from('運転免許証 山田花子 1990-04-01', 'utf8');
      const blob = await t.ctx.db.transaction().execute((trx) =>
        t.ctx.vault.store(trx, { kind: 'identity_document', contentType: 'text/plain', bytes: secret, now: t.clock.now() }),
      );
      const { bytes } = await t.ctx.vault.read(t.ctx.db, blob.id);
      assert.deepEqual(bytes, secret);
      const row = await t.ctx.db.selectFrom('encrypted_blobs').selectAll().where('id', '=', blob.id).executeTakeFirstOrThrow();
      assert.ok(row.ciphertext);
      assert.equal(row.ciphertext.includes(secret), false);
      assert.equal(row.ciphertext.includes(Buffer.from('山田', 'utf8')), false);
      const key = await t.ctx.db.selectFrom('data_keys').selectAll().where('id', '=', row.data_key_id).executeTakeFirstOrThrow();
      assert.equal(key.master_key_id, t.ctx.vault.keyring().currentId);
      assert.equal(key.wrapped_key?.length, 12 + 16 + 32);
    });

    test('changing one byte of the ciphertext is detected', async () => {
      const blob = await t.ctx.db.transaction().execute((trx) =>
        t.ctx.vault.store(trx, { kind: 'test', contentType: 'application/octet-stream', bytes: Buffer.from('abcdef'), now: t.clock.now() }),
      );
      const row = await t.ctx.db.selectFrom('encrypted_blobs').select('ciphertext').where('id', '=', blob.id).executeTakeFirstOrThrow();
      const tampered = Buffer.from(row.ciphertext ?? Buffer.alloc(0));
      tampered[0] = (tampered[0] ?? 0) ^ 1;
      await t.ctx.db.updateTable('encrypted_blobs').set({ ciphertext: tampered }).where('id', '=', blob.id).execute();
      await assert.rejects(t.ctx.vault.read(t.ctx.db, blob.id), /Unsupported state or unable to authenticate data/);
    });

    test('disposal destroys the data key: the object can no longer be read, and disposing again is a no-op', async () => {
      const blob = await t.ctx.db.transaction().execute((trx) =>
        t.ctx.vault.storeJson(trx, { kind: 'test', value: { name: 'someone' }, now: t.clock.now() }),
      );
      assert.equal(await t.ctx.vault.dispose(t.ctx.db, blob.id, t.clock.now()), true);
      await assert.rejects(t.ctx.vault.read(t.ctx.db, blob.id), (err: Error & { code?: string }) => err.code === 'not_found');
      const row = await t.ctx.db.selectFrom('encrypted_blobs as b').innerJoin('data_keys as k', 'k.id', 'b.data_key_id')
        .select(['b.ciphertext', 'k.wrapped_key', 'k.destroyed_at']).where('b.id', '=', blob.id).executeTakeFirstOrThrow();
      assert.equal(row.ciphertext, null);
      assert.equal(row.wrapped_key, null);
      assert.ok(row.destroyed_at);
      assert.equal(await t.ctx.vault.dispose(t.ctx.db, blob.id, t.clock.now()), false);
    });
  });
}
