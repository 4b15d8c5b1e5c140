// Master-key rotation (`madoguchi keys rotate`) and new keys (`madoguchi keys generate`).
// Rotation re-wraps every live data key under the new master key; the encrypted objects
// themselves are never read or rewritten, so it costs one small update per object however
// large the objects are. Key ids in reports and in the audit log are fingerprints
// (masterKeyId), never key material.
//
// Embedded mode (key file in the data directory): a new key is added to the file and made
// current, everything is re-wrapped, then the old keys are removed from the file.
// Environment mode (PostgreSQL): the operator first restarts every process with
// MADOGUCHI_MASTER_KEY=<new> and MADOGUCHI_PREVIOUS_MASTER_KEYS=<old>, then runs the rotation,
// which re-wraps everything under the new key and reports which old keys may be dropped from
// MADOGUCHI_PREVIOUS_MASTER_KEYS. A key still reported as referenced was used by a process that
// had not been restarted yet: restart it and rotate again.
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { addKeyToFile, generateKeyText, masterKeyId, retireKeysInFile, type Keyring } from '../../lib/keyring.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { countLiveKeysByMaster } from '../vault/vault.repository.ts';

export interface RotateMasterKeyOptions {
  actor?: Actor;
  /** Called after each committed batch with the number of data keys re-wrapped so far. */
  onProgress?: (done: number) => void;
}

export interface RotationReport {
  mode: 'file' | 'environment';
  /** Data keys re-wrapped under the new current key. */
  rewrapped: number;
  /** Master keys that wrapped live data keys before the rotation (other than the new one). */
  fromKeyIds: string[];
  /** The current master key after the rotation. */
  toKeyId: string;
  /** Embedded mode: old keys removed from the key file. */
  retiredKeyIds: string[];
  /** Environment mode: old keys no data key needs any more; drop them from the environment. */
  removableKeyIds: string[];
  /** Old keys that live data keys still need (written during the rotation by another process). */
  stillReferencedKeyIds: string[];
}

const DEFAULT_ACTOR: Actor = { type: 'system', id: 'cli:keys-rotate' };

/** Refuses to start when some data key needs a master key the keyring does not hold: the
 * operator has to restore it first, and nothing has been changed yet. */
async function assertAllKeysPresent(ctx: AppContext, ring: Keyring): Promise<string[]> {
  const inUse = (await countLiveKeysByMaster(ctx.db)).map((c) => c.masterKeyId);
  const missing = inUse.filter((id) => ring.get(id) === undefined).sort();
  if (missing.length > 0) {
    throw new AppError('master_key_unavailable', {
      details: missing.map((id) => ({ reason: 'missing_master_key', message: `master key ${id}` })),
    });
  }
  return inUse;
}

export async function rotateMasterKey(ctx: AppContext, options: RotateMasterKeyOptions = {}): Promise<RotationReport> {
  const before = ctx.vault.keyring();
  const inUse = await assertAllKeysPresent(ctx, before);

  let ring = before;
  if (before.source.kind === 'file') {
    ring = addKeyToFile(before.source.path);
    ctx.vault.setKeyring(ring);
  }
  const toKeyId = ring.currentId;
  const fromKeyIds = inUse.filter((id) => id !== toKeyId).sort();

  const { rewrapped } = await ctx.vault.rewrapAll(ctx.db, options.onProgress);

  const stillReferencedKeyIds = (await countLiveKeysByMaster(ctx.db))
    .map((c) => c.masterKeyId)
    .filter((id) => id !== toKeyId)
    .sort();
  const oldKeyIds = ring.ids().filter((id) => id !== toKeyId).sort();
  const unneeded = oldKeyIds.filter((id) => !stillReferencedKeyIds.includes(id));

  let retiredKeyIds: string[] = [];
  let removableKeyIds: string[] = [];
  if (ring.source.kind === 'file') {
    ctx.vault.setKeyring(retireKeysInFile(ring.source.path, stillReferencedKeyIds));
    retiredKeyIds = unneeded;
  } else {
    removableKeyIds = unneeded;
  }

  const report: RotationReport = {
    mode: ring.source.kind,
    rewrapped,
    fromKeyIds,
    toKeyId,
    retiredKeyIds,
    removableKeyIds,
    stillReferencedKeyIds,
  };
  const at = ctx.clock.now();
  await ctx.db.transaction().execute((trx) =>
    appendAudit(trx, {
      action: 'keys.rotated',
      actor: options.actor ?? DEFAULT_ACTOR,
      details: { ...report },
      at,
    }),
  );
  ctx.logger.info({ ...report }, 'master key rotated');
  return report;
}

/** A new master key for MADOGUCHI_MASTER_KEY, with the fingerprint that reports will show. */
export function generateMasterKey(): { key: string; id: string } {
  const key = generateKeyText();
  return { key, id: masterKeyId(Buffer.from(key, 'base64')) };
}
