// `madoguchi retention run`: the daily retention job on demand. It disposes of the personal
// data of every request whose retention date has come (or, with --dry-run, only lists it) and
// prints what went, per request: reference, kinds and counts. --now looks at another instant;
// one in the future only previews, because disposing of documents before their retention ends
// cannot be undone.
import { Command } from 'commander';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Actor } from '../domains/audit/audit.actions.ts';
import { countByKind, DISPOSAL_KINDS } from '../domains/retention/retention.rules.ts';
import type { RetentionRun } from '../domains/retention/retention.service.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli:retention' };

const ZWhen = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** An ISO 8601 date or date-time with offset; null when it is not one. */
export function parseNow(value: string): Date | null {
  if (!ZWhen.safeParse(value).success) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

function day(at: Date | null): string {
  return at ? at.toISOString().slice(0, 10) : '-';
}

function countsText(run: RetentionRun['requests'][number]): string {
  const counts = countByKind(run.items);
  const parts = DISPOSAL_KINDS.flatMap((k) => (counts[k] ? [`${k} ${counts[k]}`] : []));
  return parts.length > 0 ? parts.join(', ') : 'nothing left to dispose of';
}

/** The run as JSON: ids, codes, dates and counts (no personal data). */
export function retentionRunJson(run: RetentionRun): string {
  return JSON.stringify(
    {
      asOf: run.asOf.toISOString(),
      dryRun: run.dryRun,
      disposed: run.disposed,
      items: run.items,
      failed: run.failed,
      requests: run.requests.map((r) => ({
        id: r.id,
        reference: r.reference,
        type: r.type,
        status: r.status,
        completedAt: r.completedAt?.toISOString() ?? null,
        retentionUntil: r.retentionUntil.toISOString(),
        counts: countByKind(r.items),
        items: r.items,
      })),
    },
    null,
    2,
  );
}

/** Prints the run for a person: one line per request, then the totals. */
export function printRetentionRun(run: RetentionRun, out: (line: string) => void): void {
  out(`Retention as of ${run.asOf.toISOString()}${run.dryRun ? ' (dry run: nothing was changed)' : ''}`);
  if (run.requests.length === 0) {
    out('No request is due for disposal.');
    return;
  }
  const width = Math.max(...run.requests.map((r) => r.reference.length));
  for (const r of run.requests) {
    out(
      `  ${r.reference.padEnd(width)}  ${r.type}, ${r.status} ${day(r.completedAt)}, kept until ${day(r.retentionUntil)}: ${countsText(r)}`,
    );
  }
  const requests = `${run.requests.length} request${run.requests.length === 1 ? '' : 's'}`;
  out(run.dryRun ? `${run.items} items of ${requests} would be disposed of.` : `Disposed of ${run.items} items of ${requests}.`);
}

export interface RetentionCommandOptions {
  now?: Date | undefined;
  dryRun: boolean;
}

/** Runs retention with the command's actor, as of `now` or the context's clock. */
export async function runRetentionCommand(ctx: AppContext, options: RetentionCommandOptions): Promise<RetentionRun> {
  // Loaded when the command runs, so `madoguchi --help` stays quick.
  const { runRetention } = await import('../domains/retention/retention.service.ts');
  return runRetention(ctx, { now: options.now ?? ctx.clock.now(), dryRun: options.dryRun, actor: CLI_ACTOR });
}

interface RunFlags {
  now?: string;
  dryRun?: boolean;
  json?: boolean;
  dataDir?: string;
}

export function registerRetentionCommands(program: Command, cli: CliEnvironment): void {
  const retention = program
    .command('retention')
    .description('Dispose of the documents and contact data of requests whose retention time after completion has passed.');

  retention
    .command('run')
    .description(
      'Run the daily retention job now: destroy the data keys of what each due request stored (documents, contact data, correspondence, answer data), keep its record, audit each disposal, and list it by request reference, kinds and counts.',
    )
    .option('--now <when>', 'compare retention dates with this instant instead of the present (ISO 8601); a future instant needs --dry-run')
    .option('--dry-run', 'list what would be disposed of and change nothing')
    .option('--json', 'print the result as JSON (ids, kinds, counts)')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: RunFlags) => {
      let now: Date | undefined;
      if (flags.now !== undefined) {
        const parsed = parseNow(flags.now);
        if (!parsed) {
          cli.err(`--now must be an ISO 8601 date or time, e.g. 2027-12-01 or 2027-12-01T03:30:00+09:00 (got "${flags.now.slice(0, 40)}")`);
          throw new CliExit(2);
        }
        now = parsed;
      }
      const dryRun = flags.dryRun === true;
      const run = await withContext(cli, flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }, async (ctx) => {
        if (now && !dryRun && now.getTime() > ctx.clock.now().getTime()) {
          cli.err(
            '--now is in the future: disposing of documents before their retention time ends cannot be undone. Add --dry-run to see what would be disposed of then.',
          );
          throw new CliExit(2);
        }
        return runRetentionCommand(ctx, { now, dryRun });
      });
      if (flags.json) cli.out(retentionRunJson(run));
      else printRetentionRun(run, cli.out);
      if (run.failed.length > 0) {
        cli.err(`Could not dispose of ${run.failed.length} request(s), rolled back and left for the next run: ${run.failed.map((f) => `${f.id} (${f.error})`).join(', ')}`);
        throw new CliExit(1);
      }
    });
}
