// `madoguchi dsr plan | access | erase`: the fulfilment engine for engineers, straight from
// data-map files (ours or Fides dataset files as they are) and connection URLs given on the
// command line, without Madoguchi's database. `access` prints one JSON object keyed
// `dataset:collection` with every collection of the map (empty arrays included); `erase`
// prints what changed, or with --dry-run what would change, per collection. A progress line is
// shown on standard error when it is a terminal.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ZConnectorOptions, type ConnectorOptions } from '../connectors/connector.ts';
import type { ConnectionSpec } from '../domains/fulfillment/connections.ts';
import { DEFAULT_ACCESS_FILTER, type AccessFilter } from '../domains/fulfillment/erasure.rules.ts';
import type { EngineEvent, Subject } from '../domains/fulfillment/executor.ts';
import { buildPlan, formatPlan, type Plan } from '../domains/fulfillment/planner.ts';
import { assembleDataMap } from '../domains/inventory/datamap-assemble.ts';
import { IDENTITY_PATTERN, LIMITS, type DataMap } from '../domains/inventory/datamap.types.ts';
import { systemClock } from '../lib/clock.ts';
import { CliExit, type CliEnvironment } from './context.ts';
import { formatIssue } from './datamap.command.ts';

const MAX_IDENTITY_VALUE = 320;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseIdentity(text: string): { type: string; value: string } {
  const eq = text.indexOf('=');
  const type = eq > 0 ? text.slice(0, eq) : '';
  const value = eq > 0 ? text.slice(eq + 1) : '';
  if (!IDENTITY_PATTERN.test(type)) throw new InvalidArgumentError('must be TYPE=VALUE with TYPE such as email, phone_number or customer_number');
  if (value.length === 0 || value.length > MAX_IDENTITY_VALUE) throw new InvalidArgumentError(`the value must be 1 to ${MAX_IDENTITY_VALUE} characters`);
  return { type, value };
}

function parseCategories(text: string): string[] {
  const list = text.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (list.length === 0 || list.length > 100 || list.some((c) => !/^[a-z][a-z0-9_.]{0,199}$/.test(c))) {
    throw new InvalidArgumentError('must be data categories separated by commas, e.g. user.contact,user.name');
  }
  return list;
}

function readMap(cli: CliEnvironment, files: readonly string[]): DataMap {
  const inputs = files.map((file) => {
    const full = path.resolve(cli.cwd, file);
    try {
      if (statSync(full).size > LIMITS.fileBytes) throw new Error('too large');
      return { file, text: readFileSync(full, 'utf8') };
    } catch {
      cli.err(`${file}: cannot be read (missing, or larger than ${LIMITS.fileBytes / (1024 * 1024)} MB)`);
      throw new CliExit(2);
    }
  });
  const assembled = assembleDataMap(inputs, null);
  if (!assembled.ok) {
    for (const e of assembled.errors) cli.err(formatIssue(e));
    cli.err(`Refused: the data map has ${assembled.errors.length} problem(s).`);
    throw new CliExit(2);
  }
  return assembled.map;
}

const ZOptionsFile = z.record(z.string().min(1).max(200), ZConnectorOptions);

function readOptions(cli: CliEnvironment, file: string | undefined): Map<string, ConnectorOptions> {
  if (file === undefined) return new Map();
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path.resolve(cli.cwd, file), 'utf8'));
  } catch {
    cli.err(`${file}: cannot be read as YAML or JSON`);
    throw new CliExit(2);
  }
  const parsed = ZOptionsFile.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) cli.err(`${file}: ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new CliExit(2);
  }
  return new Map(Object.entries(parsed.data));
}

// The drivers load only when a command runs, so `madoguchi --help` stays quick.
const loadEngine = async () => ({ ...(await import('../domains/fulfillment/connections.ts')), ...(await import('../domains/fulfillment/executor.ts')) });
type Engine = Awaited<ReturnType<typeof loadEngine>>;

function readConnections(cli: CliEnvironment, engine: Engine, args: readonly string[], options: Map<string, ConnectorOptions>): Map<string, ConnectionSpec> {
  const { parseConnectionArgument, connectorKindOfUrl } = engine;
  const specs = new Map<string, ConnectionSpec>();
  for (const arg of args) {
    let parsed: { name: string; url: string };
    try {
      parsed = parseConnectionArgument(arg);
    } catch (err) {
      cli.err(`--connection: ${err instanceof Error ? err.message : 'must be NAME=URL'}`);
      throw new CliExit(2);
    }
    const kind = connectorKindOfUrl(parsed.url);
    if (kind === null) throw new CliExit(2);
    specs.set(parsed.name, { name: parsed.name, kind, url: parsed.url, options: options.get(parsed.name) ?? {} });
  }
  for (const name of options.keys()) if (!specs.has(name)) cli.err(`warning: --options names ${name}, which no --connection gives`);
  return specs;
}

function subjectOf(identities: ReadonlyArray<{ type: string; value: string }>): Subject {
  const byType: Record<string, string[]> = {};
  for (const i of identities) byType[i.type] = [...(byType[i.type] ?? []), i.value];
  return { id: 'subject', identities: byType };
}

/** `dataset:collection`, or `system/dataset:collection` where two systems share a dataset name. */
function outputKeys(plan: Plan): Map<string, string> {
  const all = [...plan.nodes, ...plan.skipped];
  const count = new Map<string, number>();
  for (const c of all) count.set(`${c.dataset}:${c.collection}`, (count.get(`${c.dataset}:${c.collection}`) ?? 0) + 1);
  return new Map(all.map((c) => [c.id, (count.get(`${c.dataset}:${c.collection}`) ?? 0) > 1 ? `${c.system}/${c.dataset}:${c.collection}` : `${c.dataset}:${c.collection}`]));
}

/** A one-line progress display on a terminal; silent otherwise. */
function progressDisplay(total: number): { onEvent: (e: EngineEvent) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let finished = 0;
  let rows = 0;
  let last = '';
  const draw = (what: string) => {
    if (!tty) return;
    const line = `[${finished}/${total}] ${rows} row(s)  ${what}`.slice(0, (process.stderr.columns ?? 100) - 1);
    process.stderr.write(`\r${line}${' '.repeat(Math.max(0, last.length - line.length))}`);
    last = line;
  };
  return {
    onEvent(e) {
      if (e.type === 'node_finished') {
        finished += 1;
        rows += e.rows;
        draw(e.node);
      } else if (e.type === 'node_started') draw(e.node);
      else if (e.type === 'write_started') draw(`writing ${e.node}`);
      else if (e.type === 'retry') draw(`retrying ${e.node}`);
    },
    end() {
      if (tty && last) process.stderr.write(`\r${' '.repeat(last.length)}\r`);
    },
  };
}

interface EngineFlags {
  datamap: string[];
  connection?: string[];
  identity: Array<{ type: string; value: string }>;
  options?: string;
  concurrency?: number;
}

function commonOptions(cmd: Command, withConnections: boolean): Command {
  cmd
    .requiredOption('--datamap <files...>', 'data-map files: Madoguchi data maps or Fides dataset files')
    .requiredOption('--identity <TYPE=VALUE>', 'an identity of the person, e.g. email=a@example.com (repeat for more)', (v: string, prev: Array<{ type: string; value: string }> = []) => [...prev, parseIdentity(v)]);
  if (withConnections) {
    cmd
      .option('--connection <NAME=URL>', 'a connection: NAME is the data map’s connection, the system name or the Fides key (repeat for more)', collect)
      .option('--options <file>', 'YAML/JSON: per connection name, options such as statementTimeoutMs, concurrency, schema, collections (table, keyTemplate, restrictions)');
  }
  return cmd;
}

function prepare(cli: CliEnvironment, engine: Engine, flags: EngineFlags): { map: DataMap; plan: Plan; specs: Map<string, ConnectionSpec>; subject: Subject } {
  const map = readMap(cli, flags.datamap);
  const subject = subjectOf(flags.identity);
  const plan = buildPlan(map, Object.keys(subject.identities));
  const specs = readConnections(cli, engine, flags.connection ?? [], readOptions(cli, flags.options));
  for (const missing of engine.ConnectorPool.missing(map, specs)) cli.err(`warning: no --connection for ${missing}: its collections are not searched`);
  if (plan.unusedIdentityTypes.length > 0) cli.err(`warning: no field of the data map has the identity type ${plan.unusedIdentityTypes.join(', ')}`);
  return { map, plan, specs, subject };
}

export function registerDsrCommands(program: Command, cli: CliEnvironment): void {
  const dsr = program
    .command('dsr')
    .description('Find, export and erase one person’s data across databases straight from data-map files (docs/fulfillment-engine.md).');

  commonOptions(dsr.command('plan').description('Print the search plan for the given identities: what is searched, in which order, by what. Connects to nothing.'), false).action(
    (flags: EngineFlags) => {
      const map = readMap(cli, flags.datamap);
      cli.out(formatPlan(buildPlan(map, [...new Set(flags.identity.map((i) => i.type))])));
    },
  );

  commonOptions(
    dsr
      .command('access')
      .description('Find every row about the person and print one JSON object keyed dataset:collection (all collections, empty arrays included). Exit 1 when a collection failed.'),
    true,
  )
    .addOption(new Option('--format <format>', 'json (one object) or text (counts per collection)').choices(['json', 'text']).default('json'))
    .option('--all-fields', 'also show fields whose categories are all system.* (internal operations data)')
    .action(async (flags: EngineFlags & { format: 'json' | 'text'; allFields?: boolean }) => {
      const engine = await loadEngine();
      const { runAccess, ConnectorPool } = engine;
      const { plan, specs, subject } = prepare(cli, engine, flags);
      const pool = new ConnectorPool(specs);
      const progress = progressDisplay(plan.nodes.length);
      const filter: AccessFilter = flags.allFields ? { exclude: [] } : DEFAULT_ACCESS_FILTER;
      let result;
      try {
        result = await runAccess({ plan, subjects: [subject], source: pool, filter, options: { onEvent: progress.onEvent, now: systemClock.now() } });
      } finally {
        progress.end();
        await pool.closeAll();
      }
      const keys = outputKeys(plan);
      const out: Record<string, unknown[]> = {};
      for (const c of result.collections) out[keys.get(c.id) ?? c.id] = c.rows;
      let failed = 0;
      for (const c of result.collections) {
        if (c.status === 'failed') {
          failed += 1;
          cli.err(`error: ${c.id}: ${c.error?.message ?? 'failed'}`);
        } else if (c.incompleteBecause.length > 0) cli.err(`warning: ${c.id} may be incomplete: ${c.incompleteBecause.join(', ')} failed`);
      }
      for (const task of result.manualTasks) cli.err(`manual task for ${task.system} (owner ${task.owner ?? 'unknown'}, due ${task.dueAt.slice(0, 10)}): ${task.items.map((i) => i.collection).join(', ')}`);
      if (flags.format === 'json') cli.out(JSON.stringify(out, null, 2));
      else for (const c of result.collections) cli.out(`${(keys.get(c.id) ?? c.id).padEnd(50)} ${String(c.rowCount).padStart(6)}  ${c.status}`);
      if (failed > 0) throw new CliExit(1);
    });

  commonOptions(
    dsr
      .command('erase')
      .description('Erase the person’s data in the given categories, each field by its strategy (nullify by default); legal holds and shared rows are listed, not erased. Exit 1 when a collection failed.'),
    true,
  )
    .requiredOption('--categories <CAT,...>', 'data categories to erase, e.g. user.contact,user.name (a category covers its sub-categories)', parseCategories)
    .option('--dry-run', 'show exactly which rows and fields would change, and change nothing')
    .action(async (flags: EngineFlags & { categories: string[]; dryRun?: boolean }) => {
      const engine = await loadEngine();
      const { planErasure, applyErasure, memoryProgress, ConnectorPool } = engine;
      const { plan, specs, subject } = prepare(cli, engine, flags);
      const pool = new ConnectorPool(specs);
      const progress = progressDisplay(plan.nodes.length);
      const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
      let erasure;
      let applied;
      try {
        erasure = await planErasure({ plan, subjects: [subject], source: pool, categories: flags.categories, options: { onEvent: progress.onEvent, now: systemClock.now() } });
        if (!flags.dryRun) applied = await applyErasure(erasure, nodes, pool, memoryProgress(), { onEvent: progress.onEvent });
      } finally {
        progress.end();
        await pool.closeAll();
      }
      const keys = outputKeys(plan);
      const outcomes = new Map((applied?.collections ?? []).map((c) => [c.id, c]));
      const out: Record<string, unknown> = {};
      let failed = 0;
      for (const c of erasure.collections) {
        const applyOutcome = outcomes.get(c.id);
        const error = applyOutcome?.error ?? c.error;
        if (c.status === 'failed' || applyOutcome?.status === 'failed') {
          failed += 1;
          cli.err(`error: ${c.id}: ${error?.message ?? 'failed'}`);
        }
        out[keys.get(c.id) ?? c.id] = {
          status: applyOutcome?.status ?? c.status,
          rowsFound: c.rowsFound,
          ...(flags.dryRun ? { wouldChange: c.changes.length } : { changed: applyOutcome?.changed ?? 0 }),
          rows: c.changes.map((ch) => ({ key: ch.key, action: ch.action, fields: ch.fields })),
          ...(c.held.length > 0 ? { held: c.held } : {}),
          ...(c.shared.length > 0 ? { shared: c.shared.map((s) => ({ ref: s.ref, key: s.key, reasons: s.reasons, fields: s.fields })) } : {}),
          ...(c.skippedFields.length > 0 && c.rowsFound > 0 ? { skippedFields: c.skippedFields } : {}),
          ...(error ? { error: error.message } : {}),
        };
      }
      for (const task of erasure.manualTasks) cli.err(`manual task for ${task.system} (owner ${task.owner ?? 'unknown'}, due ${task.dueAt.slice(0, 10)}): ${task.items.map((i) => i.collection).join(', ')}`);
      cli.out(JSON.stringify(out, null, 2));
      if (failed > 0) throw new CliExit(1);
    });
}
