// `madoguchi connection add | list | test | remove`: the connections the fulfilment engine uses to
// reach company systems. A connection names an environment variable holding its URL, or stores
// the URL encrypted; `test` tells whether the system answers and whether the credentials can
// write (an erasure needs it), optionally probing the tables a data map names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CONNECTOR_KINDS, type ProbeTarget } from '../connectors/connector.ts';
import type { Actor } from '../domains/audit/audit.actions.ts';
import type { connectionCandidates as ConnectionCandidates } from '../domains/fulfillment/connections.ts';
import { assembleDataMap } from '../domains/inventory/datamap-assemble.ts';
import { loadDataMap } from '../domains/inventory/inventory.service.ts';
import type { DataMap } from '../domains/inventory/datamap.types.ts';
import { isAppError } from '../lib/errors.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli:connection' };
/** Same as CONNECTION_NAME_PATTERN in connections.ts, which loads the drivers: kept here so --help stays quick. */
const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.<>-]{0,199}$/;
const loadConnections = () => import('../domains/fulfillment/connections.ts');

function parseName(value: string): string {
  if (!CONNECTION_NAME_PATTERN.test(value)) throw new InvalidArgumentError('must be letters, digits, _ . < > - (at most 200 characters)');
  return value;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts).toString('utf8').trim();
}

function overrides(flags: { dataDir?: string }): { dataDir?: string } {
  return flags.dataDir === undefined ? {} : { dataDir: flags.dataDir };
}

/** The collections of the systems this connection serves, to probe their tables. */
function probeTargets(map: DataMap, name: string, connectionCandidates: typeof ConnectionCandidates): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const s of map.systems) {
    for (const d of s.datasets) {
      if (!connectionCandidates({ connection: s.connection ?? null, system: s.name, dataset: d.name }).includes(name)) continue;
      for (const c of d.collections) {
        if (c.skipProcessing) continue;
        const pk = c.fields.find((f) => f.primaryKey) ?? c.fields[0];
        targets.push({ dataset: d.name, collection: c.name, fields: pk ? [pk.name] : [] });
      }
    }
  }
  return targets;
}

function reportAppError(cli: CliEnvironment, err: unknown): never {
  if (isAppError(err)) {
    cli.err(`${err.message}${err.details.length > 0 ? '' : ''}`);
    for (const d of err.details) cli.err(`  ${d.path}: ${d.message}`);
    throw new CliExit(err.status === 404 ? 1 : 2);
  }
  throw err;
}

export function registerConnectionCommands(program: Command, cli: CliEnvironment): void {
  const connection = program
    .command('connection')
    .description('Connections to company systems for the fulfilment engine: the address and secret a data map’s `connection:` names.');

  connection
    .command('add')
    .description('Create or replace a connection: name an environment variable holding its URL (--env), or store the URL encrypted (--url-stdin).')
    .argument('<name>', 'the name the data map uses (a system’s connection, its name, or a Fides key)', parseName)
    .addOption(new Option('--kind <kind>', 'postgresql, mysql, redis, http or manual (required with --env)').choices([...CONNECTOR_KINDS]))
    .option('--env <variable>', 'the environment variable that will hold the connection URL')
    .option('--url-stdin', 'read the connection URL from standard input and store it encrypted')
    .option('--options <file>', 'YAML/JSON connection options: concurrency, statementTimeoutMs, schema, collections (table, keyTemplate, restrictions)')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (name: string, flags: { kind?: string; env?: string; urlStdin?: boolean; options?: string; dataDir?: string }) => {
      let options: unknown;
      if (flags.options !== undefined) {
        try {
          options = parseYaml(readFileSync(path.resolve(cli.cwd, flags.options), 'utf8'));
        } catch {
          cli.err(`${flags.options}: cannot be read as YAML or JSON`);
          throw new CliExit(2);
        }
      }
      const url = flags.urlStdin ? await readStdin() : undefined;
      const input = { name, ...(flags.kind ? { kind: flags.kind } : {}), ...(flags.env ? { env: flags.env } : {}), ...(url ? { url } : {}), ...(options !== undefined ? { options } : {}) };
      const { saveConnection } = await loadConnections();
      try {
        const saved = await withContext(cli, overrides(flags), (ctx) => saveConnection(ctx, CLI_ACTOR, input));
        cli.out(`${saved.created ? 'Created' : 'Replaced'} connection ${name} (${saved.view.kind}, secret from ${saved.view.secretSource === 'env' ? `$${saved.view.envVar ?? ''}` : saved.view.secretSource}).`);
      } catch (err) {
        reportAppError(cli, err);
      }
    });

  connection
    .command('list')
    .description('List the stored connections (never their secrets) and their last test.')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: { dataDir?: string }) => {
      const { listConnections } = await loadConnections();
      const list = await withContext(cli, overrides(flags), (ctx) => listConnections(ctx));
      if (list.length === 0) cli.out('No connections.');
      for (const c of list) {
        const source = c.secretSource === 'env' ? `$${c.envVar ?? ''}` : c.secretSource;
        const last = c.lastTestedAt ? `last tested ${c.lastTestedAt.toISOString()}: ${c.lastTest?.reachable ? 'reachable' : 'unreachable'}` : 'never tested';
        cli.out(`${c.name.padEnd(30)} ${c.kind.padEnd(10)} ${source.padEnd(24)} ${last}`);
      }
    });

  connection
    .command('test')
    .description('Check that the system answers and that the credentials can write (erasure needs it). Exit 1 when it is unreachable or read-only.')
    .argument('<name>', 'the connection name', parseName)
    .option('--datamap <files...>', 'probe write permission on the tables these data-map files name (default: the stored data map)')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (name: string, flags: { datamap?: string[]; dataDir?: string }) => {
      const { testConnection, connectionCandidates } = await loadConnections();
      let check;
      try {
        check = await withContext(cli, overrides(flags), async (ctx) => {
          let map: DataMap;
          if (flags.datamap) {
            const assembled = assembleDataMap(
              flags.datamap.map((f) => ({ file: f, text: readFileSync(path.resolve(cli.cwd, f), 'utf8') })),
              null,
            );
            if (!assembled.ok) {
              cli.err(`Refused: the data map has ${assembled.errors.length} problem(s); check it with \`madoguchi datamap validate\`.`);
              throw new CliExit(2);
            }
            map = assembled.map;
          } else map = await loadDataMap(ctx.db);
          const targets = probeTargets(map, name, connectionCandidates);
          return testConnection(ctx, cli.env, CLI_ACTOR, name, targets.length > 0 ? targets : undefined);
        });
      } catch (err) {
        reportAppError(cli, err);
      }
      const write = check.canWrite === null ? 'write permission unknown' : check.canWrite ? 'can write' : 'cannot write';
      cli.out(`${name}: ${check.reachable ? 'reachable' : 'unreachable'}, ${write} (${check.detail}; ${check.latencyMs} ms)`);
      if (!check.reachable || check.canWrite === false) throw new CliExit(1);
    });

  connection
    .command('remove')
    .description('Delete a stored connection; a stored URL is destroyed with its key.')
    .argument('<name>', 'the connection name', parseName)
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (name: string, flags: { dataDir?: string }) => {
      const { removeConnection } = await loadConnections();
      try {
        await withContext(cli, overrides(flags), (ctx) => removeConnection(ctx, CLI_ACTOR, name));
      } catch (err) {
        reportAppError(cli, err);
      }
      cli.out(`Removed connection ${name}.`);
    });
}
