// Start-up benchmark: how long from launching Madoguchi until /readyz answers 200, on a warm
// PGlite data directory (created and migrated by a first, untimed run). Two figures:
//   - process: spawning `node bin/madoguchi.js serve` (what an operator or a supervisor does),
//   - in-process: bootstrap() + buildServer() + listen, without Node and module loading.
// Each is the median of several runs, with min and max beside it.
//
//   node --import tsx bench/startup.bench.ts [--runs 5]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/app/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildServer } from '../src/http/server.ts';
import { createLogger } from '../src/lib/logger.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(args.runs));
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'madoguchi.js');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitReady(port: number, started: number, child?: ChildProcess): Promise<number> {
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > 60_000) throw new Error('not ready after 60 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-bench-startup-'));
  // The child's environment: ours without any Madoguchi settings, plus the bench's own.
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MADOGUCHI_') && k !== 'DATABASE_URL') childEnv[k] = v;
  const settings = {
    MADOGUCHI_DATA_DIR: dir,
    MADOGUCHI_MASTER_KEY: randomBytes(32).toString('base64'),
    MADOGUCHI_LOG_LEVEL: 'warn',
  };
  Object.assign(childEnv, settings);

  try {
    // Untimed: create and migrate the data directory, so every timed run starts warm.
    const migrate = spawn(process.execPath, [BIN, 'migrate'], { env: childEnv, stdio: 'ignore' });
    const [code] = (await once(migrate, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`madoguchi migrate failed with code ${code}`);

    const processTimes: number[] = [];
    const bannerTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const started = performance.now();
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      try {
        processTimes.push(await waitReady(port, started, child));
        // The banner's "ready in N ms" counts from configuration to listening, so the rest of
        // the process figure is Node starting and loading (and compiling) the modules.
        const banner = /ready in (\d+) ms/.exec(stdout);
        if (banner) bannerTimes.push(Number(banner[1]));
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }

    const inProcessTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const config = loadConfig({ ...settings, MADOGUCHI_PORT: String(port) });
      const started = performance.now();
      const booted = await bootstrap(config, { logger: createLogger('warn') });
      const app = await buildServer(booted.ctx);
      await app.listen({ host: '127.0.0.1', port });
      try {
        inProcessTimes.push(await waitReady(port, started));
      } finally {
        await app.close();
        await booted.close();
      }
    }

    const fmt = (ms: number) => `${Math.round(ms)} ms`;
    const rows = [
      ['process: node bin/madoguchi.js serve → /readyz 200', stats(processTimes)],
      ...(bannerTimes.length > 0 ? [['  of which the serve banner’s "ready in" (boot to listening)', stats(bannerTimes)] as const] : []),
      ['in-process: bootstrap + buildServer + listen → /readyz 200', stats(inProcessTimes)],
    ] as const;
    console.log(`\nStart-up benchmark: warm PGlite data directory, Node ${process.version}, ${os.cpus().length} CPU(s), ${runs} runs each`);
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`${'measure'.padEnd(width)}  ${'median'.padStart(8)}  ${'min'.padStart(8)}  ${'max'.padStart(8)}`);
    console.log(`${'-'.repeat(width)}  ${'-'.repeat(8)}  ${'-'.repeat(8)}  ${'-'.repeat(8)}`);
    for (const [what, s] of rows) console.log(`${what.padEnd(width)}  ${fmt(s.median).padStart(8)}  ${fmt(s.min).padStart(8)}  ${fmt(s.max).padStart(8)}`);
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
