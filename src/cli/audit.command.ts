// `madoguchi audit verify | export`: check the hash chain of the audit log, and hand the log
// to an auditor as JSON lines. The work is in plain functions (runAuditVerify,
// runAuditExport) so tests and other entry points can call them with a context of their own.
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Actor } from '../domains/audit/audit.actions.ts';
import type { ChainBreak } from '../domains/audit/audit-chain.ts';
import { exportAuditRecorded, verifyAuditChain, type VerifyResult } from '../domains/audit/audit.service.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli:audit' };

export type Out = (line: string) => void;

const REASON_TEXT: Record<ChainBreak, string> = {
  hash_mismatch: 'its contents no longer match its hash: the entry was changed after it was written',
  prev_hash_mismatch: 'it does not follow the entry before it: entries were reordered, or the one before was rewritten',
  sequence_gap: 'the entry before it is missing: entries were deleted',
  head_mismatch: 'the log does not end where the chain head says: entries were cut off the end, added outside the log, or the last one rewritten',
};

const fmt = (n: number) => n.toLocaleString('en-US');

/** Prints the verdict; returns the result so the caller can choose the exit code. */
export async function runAuditVerify(ctx: AppContext, out: Out, err: Out = out): Promise<VerifyResult> {
  let reported = 0;
  const result = await verifyAuditChain(ctx.db, {
    onProgress: ({ entries, headSeq }) => {
      // Long chains take a while; say something every million entries, on stderr.
      if (entries - reported >= 1_000_000) {
        reported = entries;
        err(`checked ${fmt(entries)} of ${fmt(headSeq)} entries…`);
      }
    },
  });
  if (result.ok) {
    out(`OK: the audit log is intact (${fmt(result.entries)} entries, head at seq ${result.headSeq}).`);
  } else {
    const { seq, id, reason } = result.firstBroken;
    out(`BROKEN: the audit log does not verify. ${fmt(result.entries)} entries before the break are intact.`);
    out(`  first broken entry: seq ${seq}${id ? `, id ${id}` : ' (missing from the table)'}`);
    out(`  reason: ${reason}: ${REASON_TEXT[reason]}`);
  }
  return result;
}

export interface AuditExportOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  /** A file to write; standard output when absent. */
  output?: string | undefined;
}

/**
 * Writes the entries with `from <= at < to` as JSON lines to `output` (or through `out`) and
 * records 'audit.exported'. A file is created with owner-only permissions and removed again if
 * the export fails.
 */
export async function runAuditExport(ctx: AppContext, options: AuditExportOptions, out: Out): Promise<{ entries: number }> {
  const range = { from: options.from, to: options.to };
  if (options.output === undefined) {
    return exportAuditRecorded(ctx, range, (line) => stdoutLine(out, line), { actor: CLI_ACTOR, destination: 'stdout' });
  }
  const file = options.output;
  const stream = createWriteStream(file, { flags: 'w', mode: 0o600 });
  await once(stream, 'open');
  try {
    const result = await exportAuditRecorded(
      ctx,
      range,
      async (line) => {
        if (!stream.write(`${line}\n`)) await once(stream, 'drain');
      },
      { actor: CLI_ACTOR, destination: 'file' },
    );
    stream.end();
    await once(stream, 'finish');
    return result;
  } catch (error) {
    stream.destroy();
    rmSync(file, { force: true });
    throw error;
  }
}

/**
 * `out` writes to standard output in the real command; when that is a pipe Node queues what
 * the reader has not taken yet, so a large export waits for it to drain instead of holding the
 * whole log in memory.
 */
async function stdoutLine(out: Out, line: string): Promise<void> {
  out(line);
  if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
}

const ZWhen = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export function parseWhen(value: string): Date {
  if (!ZWhen.safeParse(value).success) {
    throw new InvalidArgumentError('must be an ISO 8601 date or time, e.g. 2026-04-01 or 2026-04-01T00:00:00+09:00');
  }
  return new Date(value);
}

interface CommonFlags {
  dataDir?: string;
}

function overrides(flags: CommonFlags): { dataDir?: string } {
  return flags.dataDir === undefined ? {} : { dataDir: flags.dataDir };
}

export function registerAuditCommands(program: Command, cli: CliEnvironment): void {
  const audit = program
    .command('audit')
    .description('The tamper-evident audit log: verify its hash chain, export it for an auditor.');

  audit
    .command('verify')
    .description(
      'Recompute the hash chain of the whole audit log. Prints the number of entries and OK, or names the first broken entry (seq, id, reason) and exits with code 1.',
    )
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: CommonFlags) => {
      const result = await withContext(cli, overrides(flags), (ctx) => runAuditVerify(ctx, cli.out, cli.err));
      if (!result.ok) throw new CliExit(1);
    });

  audit
    .command('export')
    .description(
      'Write audit entries as JSON lines (one entry per line, every stored field including prev_hash and hash), oldest first. The export itself is recorded in the log (audit.exported).',
    )
    .option('--from <when>', 'first instant to include (ISO 8601, inclusive)', parseWhen)
    .option('--to <when>', 'instant to stop at (ISO 8601, exclusive)', parseWhen)
    .option('-o, --output <file>', 'write to this file (created with owner-only permissions) instead of standard output')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: CommonFlags & { from?: Date; to?: Date; output?: string }) => {
      if (flags.from && flags.to && flags.from.getTime() >= flags.to.getTime()) {
        cli.err('--from must be before --to');
        throw new CliExit(2);
      }
      const output = flags.output === undefined ? undefined : path.resolve(cli.cwd, flags.output);
      const { entries } = await withContext(cli, overrides(flags), (ctx) =>
        runAuditExport(ctx, { from: flags.from, to: flags.to, output }, cli.out),
      );
      // With output on stdout the count goes to stderr, so the lines stay clean JSON.
      (output === undefined ? cli.err : cli.out)(`Exported ${fmt(entries)} audit entries${output === undefined ? '' : ` to ${flags.output}`}.`);
    });
}
