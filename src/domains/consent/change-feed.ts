// The change feed's fan-out inside one server process. Every connected SDK client subscribes
// from the sequence number it last saw; one poller reads the feed table for all of them (one
// query per tick, from the oldest cursor) and hands each subscriber the rows after its own
// cursor. A change committed by any process is delivered within one tick (200 ms by default),
// which keeps "a withdrawal reaches every client within two seconds" with room to spare.
// The poller also notices changes to the purposes registry and sends the new list.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../lib/logger.ts';
import type { PurposeFacts } from './consent.ts';
import * as repo from './consent.repository.ts';
import { loadRegistry } from './consent.service.ts';

export interface FeedChange {
  seq: number;
  kind: repo.ChangeRow['kind'];
  subjectKey: string;
  at: Date;
  data: Record<string, unknown>;
}

export interface FeedSubscriber {
  changes(rows: readonly FeedChange[]): void;
  purposes(list: readonly PurposeFacts[]): void;
}

export interface FeedHub {
  /** Delivers every change after `after`, then new ones as they commit. Returns the unsubscribe. */
  subscribe(after: number, subscriber: FeedSubscriber): () => void;
  readonly size: number;
  close(): void;
}

const BATCH = 1000;
const PURPOSE_CHECK_EVERY = 5;

interface Entry {
  cursor: number;
  subscriber: FeedSubscriber;
}

export function createFeedHub(db: Db, logger: Pick<Logger, 'warn'>, options: { intervalMs?: number } = {}): FeedHub {
  const intervalMs = options.intervalMs ?? 200;
  const entries = new Set<Entry>();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let closed = false;
  let ticks = 0;
  let purposeMark: string | null = null;

  async function purposesChanged(): Promise<boolean> {
    const row = await db
      .selectFrom('purposes')
      .select([sql<string>`coalesce(max(updated_at)::text, '')`.as('latest'), sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(sum(version), 0)::int`.as('versions')])
      .executeTakeFirstOrThrow();
    const mark = `${row.latest}|${row.n}|${row.versions}`;
    const changed = purposeMark !== null && mark !== purposeMark;
    purposeMark = mark;
    return changed;
  }

  async function tick(): Promise<boolean> {
    if (entries.size === 0) return false;
    let min = Number.POSITIVE_INFINITY;
    for (const e of entries) min = Math.min(min, e.cursor);
    const rows = await repo.changesAfter(db, min, BATCH);
    if (rows.length > 0) {
      const changes: FeedChange[] = rows.map((r) => ({ seq: r.seq, kind: r.kind, subjectKey: r.subject_key, at: r.at, data: r.data }));
      for (const e of [...entries]) {
        const mine = changes.filter((c) => c.seq > e.cursor);
        if (mine.length === 0) continue;
        e.cursor = mine[mine.length - 1]?.seq ?? e.cursor;
        e.subscriber.changes(mine);
      }
    }
    if (ticks++ % PURPOSE_CHECK_EVERY === 0 && (await purposesChanged())) {
      const list = [...(await loadRegistry(db)).values()];
      for (const e of [...entries]) e.subscriber.purposes(list);
    }
    return rows.length === BATCH;
  }

  function schedule(delay: number): void {
    if (closed || timer || entries.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      if (running) return schedule(intervalMs);
      running = true;
      tick()
        .then((more) => {
          running = false;
          schedule(more ? 0 : intervalMs);
        })
        .catch((err: unknown) => {
          running = false;
          if (!closed) logger.warn({ errName: err instanceof Error ? err.name : 'unknown' }, 'consent feed poll failed');
          schedule(intervalMs * 5);
        });
    }, delay);
    timer.unref();
  }

  return {
    subscribe(after, subscriber) {
      const entry: Entry = { cursor: after, subscriber };
      entries.add(entry);
      schedule(0);
      return () => {
        entries.delete(entry);
      };
    },
    get size() {
      return entries.size;
    },
    close() {
      closed = true;
      entries.clear();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
