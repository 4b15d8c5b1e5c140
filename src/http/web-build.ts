// Keeps the built web application (web/dist) in step with its sources. `madoguchi start` and
// `serve` call ensureWebBuild before listening, so `npm install && npm start` works without a
// separate build step; the test runner calls it once before browser tests.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_ROOT = path.join(repoRoot, 'web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

/** Why the build must run, or null when web/dist is present and newer than every source. */
export function webBuildReason(): 'missing' | 'stale' | null {
  const built = path.join(WEB_DIST, 'index.html');
  if (!existsSync(built) || !existsSync(path.join(WEB_DIST, 'admin.html'))) return 'missing';
  const sources = Math.max(
    newestMtime(path.join(WEB_ROOT, 'src')),
    newestMtime(path.join(WEB_ROOT, 'index.html')),
    newestMtime(path.join(WEB_ROOT, 'admin.html')),
    newestMtime(path.join(WEB_ROOT, 'vite.config.ts')),
  );
  return sources > statSync(built).mtimeMs ? 'stale' : null;
}

/**
 * Builds into a private directory and swaps it in, so a server already serving web/dist (or a
 * second process building at the same moment) never sees a half-written build.
 */
export async function buildWeb(): Promise<void> {
  // Imported on demand: vite is only needed when the sources changed.
  const { build } = await import('vite');
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const fresh = path.join(WEB_ROOT, `.dist-new-${suffix}`);
  const old = path.join(WEB_ROOT, `.dist-old-${suffix}`);
  try {
    await build({ configFile: path.join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: fresh, emptyOutDir: true } });
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(fresh, WEB_DIST);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

/** Builds when needed and says so in one line; a fresh build is silent. */
export async function ensureWebBuild(log: (line: string) => void): Promise<void> {
  const reason = webBuildReason();
  if (reason === null) return;
  const started = performance.now();
  await buildWeb();
  log(`Built the web application (${reason === 'missing' ? 'web/dist was missing' : 'web/src changed'}) in ${Math.round(performance.now() - started)} ms`);
}
