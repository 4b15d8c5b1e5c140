// The decision API for the company's applications (API keys): decisions for one subject or a
// batch of up to 1,000, recording and withdrawing consent, a person's history, the snapshot
// for the SDK's local mode, and the change feed as server-sent events that resume from
// Last-Event-ID after a disconnect.
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { createFeedHub, type FeedChange } from '../../../domains/consent/change-feed.ts';
import { ZConsentInput, ZDecisionBatch, ZDecisionItem, ZSubject, type PurposeFacts } from '../../../domains/consent/consent.ts';
import * as consentRepo from '../../../domains/consent/consent.repository.ts';
import { SNAPSHOT_PAGE_MAX, consentHistory, decideMany, historyByKey, recordConsent, snapshotPage } from '../../../domains/consent/consent.service.ts';
import { ZDecisionView, ZHistoryView, ZRecordedConsentView, ZRestriction, toDecisionView, toHistoryView, toRecordedConsentView, toRestrictionJson } from '../../../domains/consent/consent.views.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentApiKey, requireApiKey } from '../../auth.ts';

const tags = ['app: consent'];
const security = [{ apiKey: [] }];
/** A batch of 1,000 subjects with long email addresses and many purposes fits. */
const DECISION_BODY_LIMIT = 2 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** A client that stops reading is dropped (it resumes from its last event id) rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const ZPurposeFactsView = z.object({ code: z.string(), basis: z.enum(['stated', 'consent']), active: z.boolean(), version: z.number() });

function writeEvent(res: ServerResponse, event: string, data: unknown, id?: number): boolean {
  return res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function changeJson(c: FeedChange): Record<string, unknown> {
  return { seq: c.seq, kind: c.kind, subjectKey: c.subjectKey, at: c.at.toISOString(), ...c.data };
}

export function appConsentRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const hub = createFeedHub(ctx.db, ctx.logger);
    const streams = new Set<ServerResponse>();
    // preClose: open streams would otherwise keep the server from closing.
    app.addHook('preClose', async () => {
      hub.close();
      for (const res of streams) res.end();
      streams.clear();
    });

    app.post(
      '/api/app/decisions',
      {
        onRequest: requireApiKey(ctx, 'consent:read'),
        bodyLimit: DECISION_BODY_LIMIT,
        schema: {
          tags,
          summary: 'May these purposes be used for this person (or for up to 1,000 people)?',
          description:
            'Send `{ subject: { type, value }, purposes: [...], recipient? }` for one person, or `{ items: [ ... ] }` for up to 1,000. Each purpose is answered allowed or refused with the reason: `not_declared` (not a purpose of use in the registry), `consent_required`, `consent_withdrawn`, `suspended_by_request` and `provision_stopped` (with the restriction and the request behind it); allowed uses say `stated_purpose` or `consent_given`. Give `recipient` when the use is a provision to a third party.',
          security,
          body: z.union([ZDecisionItem, ZDecisionBatch]),
          response: {
            200: z.union([
              z.object({ decisions: z.array(ZDecisionView) }),
              z.object({ results: z.array(z.object({ index: z.number(), decisions: z.array(ZDecisionView) })) }),
            ]),
          },
        },
      },
      async (request) => {
        const body = request.body;
        if ('items' in body) {
          const decided = await decideMany(ctx, body.items);
          return { results: decided.map((decisions, index) => ({ index, decisions: decisions.map(toDecisionView) })) };
        }
        const [decisions = []] = await decideMany(ctx, [body]);
        return { decisions: decisions.map(toDecisionView) };
      },
    );

    const recordSchema = (summary: string, description: string) => ({
      tags,
      summary,
      description,
      security,
      body: ZConsentInput,
      response: { 201: ZRecordedConsentView },
    });

    app.post(
      '/api/app/consents',
      {
        onRequest: requireApiKey(ctx, 'consent:write'),
        schema: recordSchema(
          'Record a consent',
          'Records that the person consented to the purposes (each must be a consent purpose of the registry) under the policy version shown (the company policy in force when left out). Web forms pass `evidence` (address and browser), kept only as keyed hashes. The answer carries the receipt and `seq`, the change-feed position at which every SDK client sees it.',
        ),
      },
      async (request, reply) => {
        const key = currentApiKey(request);
        const recorded = await recordConsent(ctx, 'granted', request.body, { type: 'api_key', id: key.id }, { requestId: request.id });
        return reply.status(201).send(toRecordedConsentView(recorded));
      },
    );

    app.post(
      '/api/app/consents/withdraw',
      {
        onRequest: requireApiKey(ctx, 'consent:write'),
        schema: recordSchema('Record a withdrawal of consent', 'The same input as recording a consent; the purposes are refused from now on (`consent_withdrawn`).'),
      },
      async (request, reply) => {
        const key = currentApiKey(request);
        const recorded = await recordConsent(ctx, 'withdrawn', request.body, { type: 'api_key', id: key.id }, { requestId: request.id });
        return reply.status(201).send(toRecordedConsentView(recorded));
      },
    );

    app.get(
      '/api/app/consents',
      {
        onRequest: requireApiKey(ctx, 'consent:read'),
        schema: {
          tags,
          summary: "A person's consents, their full history with receipts, and restrictions",
          description: 'Name the person by `subjectType` and `subjectValue`, or by the `subjectKey` a recording returned (which keeps the identity out of the address).',
          security,
          querystring: z.strictObject({
            subjectType: ZSubject.shape.type.optional(),
            subjectValue: ZSubject.shape.value.optional(),
            subjectKey: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a subject key as returned by Madoguchi').optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: ZHistoryView },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.subjectKey !== undefined && q.subjectType === undefined && q.subjectValue === undefined) {
          return toHistoryView(await historyByKey(ctx.db, q.subjectKey, q.limit));
        }
        if (q.subjectKey === undefined && q.subjectType !== undefined && q.subjectValue !== undefined) {
          return toHistoryView(await consentHistory(ctx, { type: q.subjectType, value: q.subjectValue }, q.limit));
        }
        throw new AppError('validation_failed', {
          details: [{ path: 'querystring', reason: 'subject_required', message: 'give either subjectKey, or subjectType with subjectValue' }],
        });
      },
    );

    app.get(
      '/api/app/snapshot',
      {
        onRequest: requireApiKey(ctx, 'consent:read'),
        schema: {
          tags,
          summary: "The decision data, page by page, for the SDK's local decision mode",
          description:
            'Pages ordered by subject key (`cursor` = the previous page\'s `nextCursor`). Follow the change feed from the first page\'s `seq`: replaying changes over later pages converges on the current state. `subjectKey` is the secret that turns an identity into its key (HMAC-SHA256 over `type NUL value`, normalised as the SDK does, first 16 bytes, base64url).',
          security,
          querystring: z.strictObject({
            cursor: z.string().regex(/^[A-Za-z0-9_-]{22}$/).optional(),
            limit: z.coerce.number().int().min(1).max(SNAPSHOT_PAGE_MAX).default(5000),
          }),
          response: {
            200: z.object({
              seq: z.number(),
              subjectKey: z.object({ algorithm: z.literal('HMAC-SHA256/128'), secret: z.string() }),
              purposes: z.array(ZPurposeFactsView),
              subjects: z.array(z.object({ key: z.string(), consents: z.array(z.object({ purpose: z.string(), state: z.enum(['granted', 'withdrawn']) })), restrictions: z.array(ZRestriction) })),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const page = await snapshotPage(ctx, request.query.cursor ?? null, request.query.limit);
        return { ...page, subjects: page.subjects.map((s) => ({ ...s, restrictions: s.restrictions.map(toRestrictionJson) })) };
      },
    );

    app.get(
      '/api/app/changes',
      {
        onRequest: requireApiKey(ctx, 'consent:read'),
        schema: {
          tags,
          summary: 'The change feed (server-sent events)',
          description:
            'A `text/event-stream` of `consent` and `restriction` events, each with `id` = its sequence number, and `purposes` events when the registry changes. Resume with the `Last-Event-ID` header (or `?after=`); without either the feed starts at the present. A `reset` event means the position given is unknown to this server: load the snapshot again.',
          security,
          querystring: z.strictObject({ after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
          headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,15}$/, 'a change sequence number').optional() }),
        },
      },
      async (request, reply) => {
        const header = request.headers['last-event-id'];
        const head = await consentRepo.feedHead(ctx.db);
        let after = typeof header === 'string' ? Number(header) : (request.query.after ?? head);
        const res = reply.raw;
        reply.hijack();
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        res.write('retry: 1000\n\n');
        if (after > head) {
          writeEvent(res, 'reset', { head });
          after = head;
        }
        writeEvent(res, 'ready', { after, head });
        streams.add(res);

        const send = (ok: boolean) => {
          if (!ok && res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
        };
        const unsubscribe = hub.subscribe(after, {
          changes(rows) {
            for (const c of rows) send(writeEvent(res, c.kind, changeJson(c), c.seq));
          },
          purposes(list: readonly PurposeFacts[]) {
            send(writeEvent(res, 'purposes', { purposes: list }));
          },
        });
        const heartbeat = setInterval(() => send(res.write(': ping\n\n')), HEARTBEAT_MS);
        heartbeat.unref();
        res.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          streams.delete(res);
        });
      },
    );
  };
}
