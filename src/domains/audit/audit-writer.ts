// Group commit for audit entries that are not part of a business transaction (sign-in
// failures, emails viewed, exports). Each append must lock the chain head and commit; one
// transaction per entry costs a round trip and a commit each (about 2 ms on PGlite), so the
// writer gathers every `record` call that arrives while a commit is running and appends them
// together, in one transaction, in the order they were recorded.
//
// Do not call `record` from inside a transaction and wait for it there: the writer needs a
// connection of its own (and on PGlite there is only one).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { appendAuditEntries, type AppendedEntry, type AuditEntryInput } from './audit.service.ts';

export interface AuditWriter {
  /** Resolves once the entry is committed, with its place in the chain. */
  record(entry: AuditEntryInput): Promise<AppendedEntry>;
  /** Resolves once every entry recorded before the call has been committed (or has failed). */
  flush(): Promise<void>;
  /** Flushes, then refuses further entries. */
  close(): Promise<void>;
}

export interface AuditWriterOptions {
  /** Most entries per transaction (default 1000). */
  maxBatch?: number;
  /** Called after each committed transaction with its number of entries (for metrics). */
  onCommit?: (entries: number, ms: number) => void;
}

interface Pending {
  entry: AuditEntryInput;
  resolve: (value: AppendedEntry) => void;
  reject: (reason: unknown) => void;
}

export function createAuditWriter(db: Kysely<Database>, options: AuditWriterOptions = {}): AuditWriter {
  const maxBatch = options.maxBatch ?? 1000;
  let queue: Pending[] = [];
  let busy = false;
  let scheduled = false;
  let closed = false;
  const outstanding = new Set<Promise<unknown>>();

  async function commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let appended: AppendedEntry[];
    try {
      appended = await db.transaction().execute((trx) => appendAuditEntries(trx, batch.map((p) => p.entry)));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One unstorable entry must not fail the unrelated entries that shared its batch, so
      // the batch is retried one entry at a time and only the culprit's caller sees the error.
      for (const p of batch) await commit([p]);
      return;
    }
    batch.forEach((p, i) => {
      const result = appended[i];
      if (result) p.resolve(result);
      else p.reject(new Error('audit writer: an entry was not appended'));
    });
    try {
      options.onCommit?.(batch.length, performance.now() - started);
    } catch {
      // A failing metrics callback must not disturb entries that are already committed.
    }
  }

  function pump(): void {
    if (busy || queue.length === 0) return;
    busy = true;
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    void commit(batch).finally(() => {
      busy = false;
      pump();
    });
  }

  return {
    record(entry) {
      if (closed) return Promise.reject(new Error('audit writer is closed'));
      const promise = new Promise<AppendedEntry>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
      });
      const settled = promise.then(
        () => undefined,
        () => undefined,
      );
      outstanding.add(settled);
      void settled.then(() => outstanding.delete(settled));
      // Wait for the current task to finish before the first commit, so calls made together
      // (a loop, Promise.all) share a transaction even when the writer is idle.
      if (!scheduled && !busy) {
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          pump();
        });
      }
      return promise;
    },
    async flush() {
      await Promise.all([...outstanding]);
    },
    async close() {
      closed = true;
      await Promise.all([...outstanding]);
    },
  };
}
