// The README's test command. Prepares one migrated template per database engine, runs every
// test file with Node's test runner (each data test runs on PGlite and on PostgreSQL), then
// drops the databases this run created. The runner's own summary is the last thing printed.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const env = { ...process.env, MADOGUCHI_TEST_RUN_ID: runId };

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests(path.join(root, 'test')).sort();

// Browser tests need the web application built; ensureWebBuild skips it when web/dist is fresh.
if (files.some((f) => f.includes(`${path.sep}browser${path.sep}`) || f.startsWith(`browser${path.sep}`))) {
  const web = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', "const m = await import('./src/http/web-build.ts'); await m.ensureWebBuild(console.log);"],
    { cwd: root, env, stdio: 'inherit' },
  );
  if (web.status !== 0) {
    console.error('Could not build the web application (npm run build:web shows why)');
    process.exit(web.status ?? 1);
  }
}

const prep = spawnSync(
  process.execPath,
  ['--import', 'tsx', '-e', "const m = await import('./test/helpers/databases.ts'); await m.prepareTemplates();"],
  { cwd: root, env, stdio: 'inherit' },
);
if (prep.status !== 0) {
  console.error('Could not prepare the test databases (is PostgreSQL answering on 127.0.0.1:5432?)');
  process.exit(prep.status ?? 1);
}

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 },
);

spawnSync(
  process.execPath,
  ['--import', 'tsx', '-e', "const m = await import('./test/helpers/databases.ts'); await m.dropRunDatabases();"],
  { cwd: root, env, stdio: 'ignore' },
);
rmSync(path.join(root, '.test-tmp', runId), { recursive: true, force: true });

// Printed last so that the runner's summary closes the output.
process.stdout.write(run.stdout ?? '');
process.exit(run.status ?? 1);
