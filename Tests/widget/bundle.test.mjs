// The committed bundles (Sources/Host/Resources/widget and site) are exactly what
// scripts/build-widget makes from Sources/Widget today, and the widget fits its gzip budgets.
// Run: node --test Tests/widget/   (needs esbuild: scripts/setup installs Debian's package)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESOURCES = join(ROOT, 'Sources/Host/Resources');
/** Gzipped byte budgets (issue 8): the loader alone, and everything a first open loads. */
const LOADER_BUDGET = 6 * 1024;
const FIRST_OPEN_BUDGET = 18 * 1024;

// The larger of gzip level 9 (what the server sends: Sources/Host/Util/Gzip.swift) and zlib's default.
const gzippedSize = (bytes) => Math.max(zlib.gzipSync(bytes, { level: 9 }).length, zlib.gzipSync(bytes).length);
const committed = (path) => readFileSync(join(RESOURCES, path));

test('the committed widget and console bundles match a fresh build of Sources/Widget', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'sanctum-widget-'));
  try {
    const build = spawnSync(join(ROOT, 'scripts/build-widget'), ['--out', out], { encoding: 'utf8' });
    assert.equal(build.status, 0, 'scripts/build-widget failed:\n' + build.stderr + build.stdout);
    const built = ['widget', 'site'].flatMap((folder) => readdirSync(join(out, folder)).map((name) => folder + '/' + name)).sort();
    assert.ok(built.includes('widget/chat-widget.js') && built.includes('widget/chat.js') && built.includes('widget/chat.css'));
    const stale = built.filter((path) => !readFileSync(join(out, path)).equals(committed(path)));
    assert.deepEqual(stale, [], 'stale bundle: run scripts/build-widget and commit the result');
    t.diagnostic('up to date: ' + built.join(', '));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the loader keeps the asset version placeholder the server replaces', () => {
  const loader = committed('widget/chat-widget.js').toString('utf8');
  assert.match(loader, /__SANCTUM_ASSET_VERSION__/, 'WidgetAssets substitutes it to build /widget/v/<version>/ URLs');
});

test('gzipped sizes stay within the budgets (loader ≤ 6 KB, loader + chat window ≤ 18 KB)', (t) => {
  const loader = gzippedSize(committed('widget/chat-widget.js'));
  const chatScript = gzippedSize(committed('widget/chat.js'));
  const chatStyles = gzippedSize(committed('widget/chat.css'));
  const firstOpen = loader + chatScript + chatStyles;
  t.diagnostic(`gzipped: loader ${loader} B (budget ${LOADER_BUDGET}), chat.js ${chatScript} B, chat.css ${chatStyles} B, ` +
    `loader + chat window ${firstOpen} B (budget ${FIRST_OPEN_BUDGET})`);
  console.log(`widget gzipped sizes: loader ${loader} B / ${LOADER_BUDGET}; loader + chat.js + chat.css ${firstOpen} B / ${FIRST_OPEN_BUDGET}`);
  assert.ok(loader <= LOADER_BUDGET, `loader is ${loader} B gzipped, over the ${LOADER_BUDGET} B budget`);
  assert.ok(firstOpen <= FIRST_OPEN_BUDGET, `loader + chat window is ${firstOpen} B gzipped, over the ${FIRST_OPEN_BUDGET} B budget`);
});
