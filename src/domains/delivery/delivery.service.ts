// Getting the answer to the person. Electronic (the default): the letter, the findings as JSON
// and CSV and a readable summary are zipped, stored encrypted, and a download link is mailed to
// the verified address; the link works only with the request's tracking token, until its expiry
// and for its number of downloads. Paper: the letter with the findings as appendix tables is
// stored as a printable PDF, staff print and post it and mark it posted. Every step is on the
// request's timeline and in the audit log (ids and counts, never contents).
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { WithheldPart } from '../../db/schema-requests.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken, newId, newSecretToken, safeEqual } from '../../lib/ids.ts';
import { SYSTEM_ACTOR, type Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { findOrganization } from '../organization/organization.repository.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import { readFindingsForPackage } from '../requests/findings.service.ts';
import { addEvent, emailRequester, findRequest, lockRequest, publicUrl, requestActor, type RequestRow } from '../requests/request.core.ts';
import type { DecisionOutcome, RequestType } from '../requests/request.ts';
import type { DecisionLetter } from './letter.content.ts';
import { renderLetterPdf } from './letter.pdf.ts';
import { buildDisclosurePackage, findingTables, type PackageFinding } from './package.build.ts';
import * as repo from './delivery.repository.ts';
import { linkExpiresAt, linkState, type LinkState } from './delivery.rules.ts';
import { writeZip } from './zip.ts';

export const PACKAGE_BLOB_KIND = 'request.delivery_package';
export const PAPER_LETTER_BLOB_KIND = 'request.delivery_letter';

type Ctx = Pick<AppContext, 'vault' | 'clock' | 'config'>;

export interface DeliveryDecision {
  id: string;
  outcome: DecisionOutcome;
  withheld: WithheldPart[];
  /** The composed letter; a paper answer prints it again with the findings as appendix tables
   * (required when the request asked for paper). */
  letter?: DecisionLetter;
}

export interface DeliveryMeta {
  /** Who approved the answer (the system by default). */
  actor?: Actor;
  requestId?: string | null;
}

export interface DeliveryView {
  id: string;
  decisionId: string | null;
  method: 'electronic' | 'paper';
  state: LinkState;
  expiresAt: Date | null;
  maxDownloads: number;
  downloads: number;
  createdAt: Date;
  lastDownloadedAt: Date | null;
  expiryWarnedAt: Date | null;
  revokedAt: Date | null;
  postedAt: Date | null;
}

/** Data is handed over only for a full or partial disclosure; every other answer is the letter. */
function disclosesData(outcome: DecisionOutcome): boolean {
  return outcome === 'full' || outcome === 'partial';
}

async function organizationName(db: Db, language: 'ja' | 'en'): Promise<string> {
  const org = await findOrganization(db);
  if (!org) return 'Madoguchi';
  return language === 'ja' ? org.name_ja : org.name_en;
}

function downloadUrl(ctx: Pick<AppContext, 'config'>, requestId: string, token: string): string {
  return publicUrl(ctx, `/requests/${encodeURIComponent(requestId)}/download?d=${encodeURIComponent(token)}`);
}

function rowCount(findings: readonly PackageFinding[]): number {
  return findings.reduce((n, f) => n + f.rows.length, 0);
}

/** A new link for a stored package: its row, the timeline, the audit entry and the mail. */
async function issueLink(
  trx: Db,
  ctx: Ctx,
  row: RequestRow,
  input: { decisionId: string | null; packageBlobId: string; details: Record<string, string | number | boolean | null> },
  meta: DeliveryMeta,
): Promise<string> {
  const now = ctx.clock.now();
  const settings = await getRequestSettings(trx);
  const token = newSecretToken();
  const expiresAt = linkExpiresAt(now, settings.delivery.downloadLinkDays);
  const id = newId('dlv');
  await repo.insertDelivery(trx, {
    id,
    requestId: row.id,
    decisionId: input.decisionId,
    method: 'electronic',
    tokenHash: hashToken(token),
    packageBlobId: input.packageBlobId,
    letterBlobId: null,
    expiresAt,
    maxDownloads: settings.delivery.maxDownloads,
    createdAt: now,
  });
  const facts = { deliveryId: id, method: 'electronic', expiresAt: expiresAt.toISOString(), maxDownloads: settings.delivery.maxDownloads };
  const actor = meta.actor ?? SYSTEM_ACTOR;
  await addEvent(trx, ctx, row.id, { kind: 'delivery.created', actor, data: facts, visibleToRequester: true });
  await appendAudit(trx, {
    action: 'request.delivery_created',
    actor,
    target: { type: 'request', id: row.id },
    requestId: meta.requestId ?? null,
    details: { ...facts, ...input.details },
    at: now,
  });
  await emailRequester(
    trx,
    ctx,
    row,
    'request.download_ready',
    { reference: row.reference, downloadUrl: downloadUrl(ctx, row.id, token), expiresAt, maxDownloads: settings.delivery.maxDownloads },
    actor,
  );
  return id;
}

/**
 * Prepares the answer of an approved decision, in the caller's transaction (the request is
 * locked by the caller). Electronic: builds, zips and stores the package, revokes any earlier
 * link, issues a new one and queues the mail with it. Paper: stores the printable letter with
 * the findings as appendix tables.
 */
export async function prepareDelivery(
  trx: Db,
  ctx: Ctx,
  row: RequestRow,
  decision: DeliveryDecision,
  letterPdf: Buffer,
  meta: DeliveryMeta = {},
): Promise<{ deliveryId: string; method: 'electronic' | 'paper' }> {
  const now = ctx.clock.now();
  const findings = disclosesData(decision.outcome) ? await readFindingsForPackage(trx, ctx, row.id) : [];

  if (row.delivery_method === 'paper') {
    if (!decision.letter) throw new TypeError('a paper answer needs the composed letter to print the findings after it');
    const pdf = await renderLetterPdf(decision.letter, { appendixTables: findingTables(findings, row.language) });
    const blob = await ctx.vault.store(trx, { kind: PAPER_LETTER_BLOB_KIND, contentType: 'application/pdf', bytes: pdf, now });
    const id = newId('dlv');
    await repo.insertDelivery(trx, {
      id,
      requestId: row.id,
      decisionId: decision.id,
      method: 'paper',
      tokenHash: null,
      packageBlobId: null,
      letterBlobId: blob.id,
      expiresAt: null,
      maxDownloads: 0,
      createdAt: now,
    });
    const actor = meta.actor ?? SYSTEM_ACTOR;
    const facts = { deliveryId: id, method: 'paper', decisionId: decision.id, collections: findings.length, rows: rowCount(findings) };
    await addEvent(trx, ctx, row.id, { kind: 'delivery.created', actor, data: { deliveryId: id, method: 'paper' }, visibleToRequester: true });
    await appendAudit(trx, { action: 'request.delivery_created', actor, target: { type: 'request', id: row.id }, requestId: meta.requestId ?? null, details: facts, at: now });
    return { deliveryId: id, method: 'paper' };
  }

  const { files } = buildDisclosurePackage({
    language: row.language,
    organizationName: await organizationName(trx, row.language),
    request: { reference: row.reference, type: row.type as RequestType, receivedAt: row.received_at },
    decision: { outcome: decision.outcome, withheld: decision.withheld },
    findings,
    letterPdf,
    generatedAt: now,
  });
  const zip = writeZip(files.map((f) => ({ path: f.path, bytes: f.bytes, modifiedAt: now })));
  const blob = await ctx.vault.store(trx, { kind: PACKAGE_BLOB_KIND, contentType: 'application/zip', bytes: zip, now });
  const replaced = await repo.revokeOpenDeliveries(trx, row.id, now);
  const deliveryId = await issueLink(
    trx,
    ctx,
    row,
    {
      decisionId: decision.id,
      packageBlobId: blob.id,
      details: { decisionId: decision.id, files: files.length, rows: rowCount(findings), bytes: zip.length, replaced: replaced.length },
    },
    meta,
  );
  return { deliveryId, method: 'electronic' };
}

/**
 * The package behind a download link, for the holder of the request's tracking token. Another
 * request's token, or an unknown link, is `not_found`; a link past its expiry, its downloads
 * or revoked is `link_expired`. Each successful call counts one download.
 */
export async function downloadPackage(
  ctx: AppContext,
  token: string,
  trackingToken: string,
  meta: { requestId?: string | null } = {},
): Promise<{ reference: string; bytes: Buffer }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const delivery = await repo.findDeliveryByTokenHash(trx, hashToken(token));
    const request = delivery ? await findRequest(trx, delivery.request_id) : null;
    // Compared in constant time whatever matched before, so timing tells nothing either way.
    const trackingOk = safeEqual(hashToken(trackingToken), request?.tracking_token_hash ?? '0'.repeat(64));
    if (!delivery || !request || !trackingOk || delivery.method !== 'electronic' || !delivery.package_blob_id) throw new AppError('not_found');
    const counted = await repo.countDownload(trx, delivery.id, now);
    if (!counted) throw new AppError('link_expired');
    let bytes: Buffer;
    try {
      bytes = (await ctx.vault.read(trx, delivery.package_blob_id)).bytes;
    } catch (err) {
      // Retention destroyed the package: for the person, the link is over.
      if (err instanceof AppError && err.code === 'not_found') throw new AppError('link_expired');
      throw err;
    }
    const facts = { deliveryId: delivery.id, downloads: counted.downloads, maxDownloads: counted.max_downloads };
    const actor = requestActor(request.id);
    await addEvent(trx, ctx, request.id, { kind: 'delivery.downloaded', actor, data: facts, visibleToRequester: true });
    await appendAudit(trx, {
      action: 'request.delivery_downloaded',
      actor,
      target: { type: 'request', id: request.id },
      requestId: meta.requestId ?? null,
      details: facts,
      at: now,
    });
    return { reference: request.reference, bytes };
  });
}

function toView(d: repo.DeliveryRow, now: Date, postedAt: Date | null): DeliveryView {
  return {
    id: d.id,
    decisionId: d.decision_id,
    method: d.method,
    state: linkState({ method: d.method, expiresAt: d.expires_at, maxDownloads: d.max_downloads, downloads: d.downloads, revokedAt: d.revoked_at }, now),
    expiresAt: d.expires_at,
    maxDownloads: d.max_downloads,
    downloads: d.downloads,
    createdAt: d.created_at,
    lastDownloadedAt: d.last_downloaded_at,
    expiryWarnedAt: d.expiry_warned_at,
    revokedAt: d.revoked_at,
    postedAt,
  };
}

async function view(db: Db, ctx: Pick<AppContext, 'clock'>, d: repo.DeliveryRow): Promise<DeliveryView> {
  return toView(d, ctx.clock.now(), d.method === 'paper' ? await repo.findPostedAt(db, d.request_id, d.id) : null);
}

export async function listDeliveries(ctx: AppContext, requestId: string): Promise<DeliveryView[]> {
  const request = await findRequest(ctx.db, requestId);
  if (!request) throw new AppError('not_found');
  const rows = await repo.listDeliveryRows(ctx.db, requestId);
  return Promise.all(rows.map((d) => view(ctx.db, ctx, d)));
}

/** Stops a link at once (sent to a wrong address, say); audited. */
export async function revokeDelivery(ctx: AppContext, requestId: string, deliveryId: string, actor: Actor, meta: { requestId?: string | null } = {}): Promise<DeliveryView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await lockRequest(trx, requestId);
    const d = await repo.lockDelivery(trx, requestId, deliveryId);
    if (!d) throw new AppError('not_found');
    if (d.method !== 'electronic') throw new AppError('invalid_transition', { details: [{ reason: 'paper_delivery', message: 'a paper answer has no link to revoke' }] });
    if (d.revoked_at !== null) throw new AppError('conflict', { details: [{ reason: 'already_revoked', message: 'the link was already revoked' }] });
    await repo.markRevoked(trx, d.id, now);
    await addEvent(trx, ctx, requestId, { kind: 'delivery.revoked', actor, data: { deliveryId: d.id }, visibleToRequester: false });
    await appendAudit(trx, {
      action: 'request.delivery_revoked',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { deliveryId: d.id, downloads: d.downloads },
      at: now,
    });
    const updated = await repo.findDelivery(trx, requestId, deliveryId);
    if (!updated) throw new AppError('internal_error');
    return view(trx, ctx, updated);
  });
}

/**
 * A new link for the same package (the old one expired, was used up or went astray): the old
 * link stops, the new one gets a fresh expiry and count, and is mailed to the verified address.
 */
export async function reissueDelivery(ctx: AppContext, requestId: string, deliveryId: string, actor: Actor, meta: { requestId?: string | null } = {}): Promise<DeliveryView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, requestId);
    const d = await repo.lockDelivery(trx, requestId, deliveryId);
    if (!d) throw new AppError('not_found');
    if (d.method !== 'electronic' || !d.package_blob_id) {
      throw new AppError('invalid_transition', { details: [{ reason: 'paper_delivery', message: 'a paper answer has no link to reissue' }] });
    }
    if (!row.subject_blob_id) {
      throw new AppError('invalid_transition', { details: [{ reason: 'disposed', message: 'the contact data of this request was disposed of under the retention rule' }] });
    }
    // The package must still exist (retention may have destroyed it).
    await ctx.vault.read(trx, d.package_blob_id);
    await repo.markRevoked(trx, d.id, now);
    const id = await issueLink(trx, ctx, row, { decisionId: d.decision_id, packageBlobId: d.package_blob_id, details: { reissueOf: d.id } }, { actor, requestId: meta.requestId ?? null });
    const created = await repo.findDelivery(trx, requestId, id);
    if (!created) throw new AppError('internal_error');
    return view(trx, ctx, created);
  });
}

/** The printable paper answer, for staff to print; opening it is audited (it holds the data). */
export async function paperLetterPdf(ctx: AppContext, requestId: string, deliveryId: string, actor: Actor, meta: { requestId?: string | null } = {}): Promise<{ reference: string; bytes: Buffer }> {
  return ctx.db.transaction().execute(async (trx) => {
    const request = await findRequest(trx, requestId);
    const d = await repo.findDelivery(trx, requestId, deliveryId);
    if (!request || !d) throw new AppError('not_found');
    if (d.method !== 'paper' || !d.letter_blob_id) throw new AppError('not_found');
    const { bytes } = await ctx.vault.read(trx, d.letter_blob_id);
    await appendAudit(trx, {
      action: 'request.delivery_printed',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { deliveryId: d.id },
      at: ctx.clock.now(),
    });
    return { reference: request.reference, bytes };
  });
}

/** Records that the paper answer was posted and tells the person by mail. */
export async function markPosted(ctx: AppContext, requestId: string, deliveryId: string, actor: Actor, meta: { requestId?: string | null } = {}): Promise<DeliveryView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, requestId);
    const d = await repo.lockDelivery(trx, requestId, deliveryId);
    if (!d) throw new AppError('not_found');
    if (d.method !== 'paper') throw new AppError('invalid_transition', { details: [{ reason: 'electronic_delivery', message: 'only a paper answer is posted' }] });
    if ((await repo.findPostedAt(trx, requestId, d.id)) !== null) {
      throw new AppError('conflict', { details: [{ reason: 'already_posted', message: 'this answer was already marked posted' }] });
    }
    await addEvent(trx, ctx, requestId, { kind: 'delivery.posted', actor, data: { deliveryId: d.id }, visibleToRequester: true });
    await appendAudit(trx, {
      action: 'request.delivery_posted',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { deliveryId: d.id },
      at: now,
    });
    if (row.subject_blob_id) {
      await emailRequester(trx, ctx, row, 'request.completed', { reference: row.reference, delivery: 'paper', postedAt: now }, actor);
    }
    return view(trx, ctx, d);
  });
}
