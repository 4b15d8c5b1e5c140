// `madoguchi datamap validate | import | export | ledger`: the data map from the command line.
// validate reads files only (no database); the others open the configured database.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Actor } from '../domains/audit/audit.actions.ts';
import { LIMITS, SYSTEM_NAME_PATTERN, type DataMapIssue } from '../domains/inventory/datamap.types.ts';
import {
  exportDataMap,
  exportLedger,
  importDataMap,
  validateDataMapFiles,
  type DataMapInput,
  type ExportFormat,
  type LedgerFormat,
} from '../domains/inventory/inventory.service.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli:datamap' };

function parseSystemName(value: string): string {
  if (!SYSTEM_NAME_PATTERN.test(value)) throw new InvalidArgumentError('must be lower-case letters, digits, _ or - and start with a letter');
  return value;
}

function readInputs(cli: CliEnvironment, files: readonly string[], fidesSystem: string | undefined): DataMapInput[] {
  return files.map((file) => {
    const full = path.resolve(cli.cwd, file);
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      cli.err(`${file}: cannot be read`);
      throw new CliExit(2);
    }
    if (size > LIMITS.fileBytes) {
      cli.err(`${file}: larger than ${LIMITS.fileBytes / (1024 * 1024)} MB`);
      throw new CliExit(2);
    }
    return { file, text: readFileSync(full, 'utf8'), ...(fidesSystem === undefined ? {} : { fidesSystem }) };
  });
}

export function formatIssue(issue: DataMapIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return `${where}: ${issue.severity}: ${issue.path}: ${issue.message} [${issue.code}]`;
}

function printIssues(cli: CliEnvironment, errors: readonly DataMapIssue[], warnings: readonly DataMapIssue[]): void {
  for (const e of errors) cli.err(formatIssue(e));
  for (const w of warnings) cli.err(formatIssue(w));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function writeOutput(cli: CliEnvironment, output: string | undefined, body: string | Buffer): void {
  if (output === undefined) {
    cli.out(typeof body === 'string' ? body.trimEnd() : body.toString('utf8'));
    return;
  }
  writeFileSync(path.resolve(cli.cwd, output), body, { mode: 0o600 });
}

interface CommonFlags {
  dataDir?: string;
}

function overrides(flags: CommonFlags): { dataDir?: string } {
  return flags.dataDir === undefined ? {} : { dataDir: flags.dataDir };
}

export function registerDatamapCommands(program: Command, cli: CliEnvironment): void {
  const datamap = program
    .command('datamap')
    .description('The data map and personal-data ledger: systems, datasets, collections and fields (docs/datamap-format.md).');

  datamap
    .command('validate')
    .description('Check data-map files (our YAML or Fides dataset files) together, without a database. Exit 1 when there are problems.')
    .argument('<files...>', 'YAML files: Madoguchi data maps (madoguchi_datamap: 1) or Fides datasets (dataset:)')
    .option('--system <name>', 'the system the Fides dataset files belong to (default: from the first fides_key)', parseSystemName)
    .action((files: string[], flags: { system?: string }) => {
      const check = validateDataMapFiles(readInputs(cli, files, flags.system));
      printIssues(cli, check.errors, check.warnings);
      if (!check.ok) {
        cli.err(`Refused: ${plural(check.errors.length, 'problem')}, ${plural(check.warnings.length, 'warning')}.`);
        throw new CliExit(1);
      }
      cli.out(`OK: ${plural(files.length, 'file')}, ${plural(check.systems.length, 'system')} (${check.systems.join(', ')}), ${plural(check.warnings.length, 'warning')}.`);
    });

  datamap
    .command('import')
    .description('Import data-map files: each system they describe is replaced in one transaction (a Fides file replaces its datasets within --system). Nothing is written when any problem is found.')
    .argument('<files...>', 'YAML files: Madoguchi data maps or Fides datasets')
    .option('--system <name>', 'the system the Fides dataset files belong to (default: from the first fides_key)', parseSystemName)
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (files: string[], flags: CommonFlags & { system?: string }) => {
      const inputs = readInputs(cli, files, flags.system);
      const result = await withContext(cli, overrides(flags), (ctx) => importDataMap(ctx, inputs, { actor: CLI_ACTOR }));
      if (!result.ok) {
        printIssues(cli, result.errors, result.warnings);
        cli.err(`Refused: ${plural(result.errors.length, 'problem')}; nothing was imported.`);
        throw new CliExit(1);
      }
      printIssues(cli, [], result.warnings);
      for (const s of result.systems) {
        cli.out(`${s.created ? 'created ' : 'replaced'} ${s.name}: ${plural(s.datasets, 'dataset')}, ${plural(s.collections, 'collection')}, ${plural(s.fields, 'field')}`);
      }
      cli.out(`Imported ${plural(result.systems.length, 'system')} (${plural(result.warnings.length, 'warning')}).`);
    });

  datamap
    .command('export')
    .description('Export the stored data map as our YAML or as Fides dataset YAML.')
    .addOption(new Option('--format <format>', 'yaml (ours, complete) or fides (datasets only)').choices(['yaml', 'fides']).default('yaml'))
    .option('--output <file>', 'write to this file instead of standard output')
    .option('--system <name...>', 'only these systems')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: CommonFlags & { format: ExportFormat; output?: string; system?: string[] }) => {
      const result = await withContext(cli, overrides(flags), (ctx) =>
        exportDataMap(ctx, { format: flags.format, ...(flags.system ? { systems: flags.system } : {}) }, CLI_ACTOR),
      );
      for (const w of result.warnings) cli.err(`warning: ${w}`);
      writeOutput(cli, flags.output, result.text);
      if (flags.output !== undefined) cli.out(`Wrote ${plural(result.systems, 'system')} to ${flags.output}.`);
    });

  datamap
    .command('ledger')
    .description('Write the personal-data ledger (個人情報管理台帳) for PrivacyMark audits: one row per field and personal data category.')
    .addOption(new Option('--format <format>', 'csv (UTF-8 with BOM) or xlsx; default from the output file name').choices(['csv', 'xlsx']))
    .requiredOption('--output <file>', 'the file to write')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: CommonFlags & { format?: LedgerFormat; output: string }) => {
      const format: LedgerFormat = flags.format ?? (flags.output.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
      const file = await withContext(cli, overrides(flags), (ctx) => exportLedger(ctx, format, CLI_ACTOR));
      writeOutput(cli, flags.output, file.body);
      cli.out(`Wrote ${plural(file.rows, 'row')} to ${flags.output} (${format}).`);
    });
}
