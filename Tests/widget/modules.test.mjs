// The widget-module runtime's pure logic (isolation, strings, storage) and the gzip budget of
// every shipped module: each plugin's `Resources/widget/module.js` declares its budget in
// `budget.json` beside it ({"module": bytes for module.js + module.css, "language": bytes per
// language file}); the test fails for a module without one or over it.
// Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { createGuard } from '../../Sources/Widget/modules/isolation.js';
import { createStrings, languageChain } from '../../Sources/Widget/modules/module-strings.js';
import { createModuleStorage } from '../../Sources/Widget/modules/module-storage.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const gzippedSize = (bytes) => Math.max(zlib.gzipSync(bytes, { level: 9 }).length, zlib.gzipSync(bytes).length);
/** The budgets of the modules the product plans (issue text); a shipped one must not declare more. */
const CEILINGS = { Notifications: { module: 3072, language: 2048 }, I18n: { module: 3072, language: 2048 }, Attachments: { module: 4096, language: 1024 } };
/** The runtime chunk (modules.js), loaded only for sites with modules. */
const RUNTIME_BUDGET = 4 * 1024;

const shippedModules = () => readdirSync(join(ROOT, 'Plugins'))
  .map((name) => ({ name, folder: join(ROOT, 'Plugins', name, 'Resources/widget') }))
  .filter(({ folder }) => existsSync(join(folder, 'module.js')));

test('every shipped widget module declares a budget and stays within it (gzipped)', (t) => {
  const modules = shippedModules();
  assert.ok(modules.some(({ name }) => name === 'LinkGuard'), 'LinkGuard ships the worked example');
  for (const { name, folder } of modules) {
    const budgetFile = join(folder, 'budget.json');
    assert.ok(existsSync(budgetFile), `${name}: Resources/widget/budget.json is missing ({"module": …, "language": …})`);
    const budget = JSON.parse(readFileSync(budgetFile, 'utf8'));
    const ceiling = CEILINGS[name];
    if (ceiling) {
      assert.ok(budget.module <= ceiling.module && budget.language <= ceiling.language, `${name} declares more than its ceiling ${JSON.stringify(ceiling)}`);
    }
    const files = readdirSync(folder);
    const code = ['module.js', 'module.css'].filter((file) => files.includes(file))
      .reduce((sum, file) => sum + gzippedSize(readFileSync(join(folder, file))), 0);
    t.diagnostic(`${name}: module ${code} B gzipped (budget ${budget.module})`);
    assert.ok(code <= budget.module, `${name}: module.js + module.css are ${code} B gzipped, over ${budget.module}`);
    for (const file of files.filter((candidate) => candidate.endsWith('.json') && candidate !== 'budget.json')) {
      const size = gzippedSize(readFileSync(join(folder, file)));
      JSON.parse(readFileSync(join(folder, file), 'utf8'));
      assert.ok(size <= budget.language, `${name}: language file ${file} is ${size} B gzipped, over ${budget.language}`);
    }
  }
});

test('the module runtime chunk stays small', (t) => {
  const size = gzippedSize(readFileSync(join(ROOT, 'Sources/Host/Resources/widget/modules.js')));
  t.diagnostic(`modules.js ${size} B gzipped (budget ${RUNTIME_BUDGET})`);
  console.log(`widget-module runtime gzipped: ${size} B / ${RUNTIME_BUDGET}`);
  assert.ok(size <= RUNTIME_BUDGET);
});

test('a guard passes values through and switches a throwing module off, reporting once', () => {
  const reports = [];
  let removed = 0;
  const guard = createGuard('m', (message) => reports.push(message), () => removed++);
  assert.equal(guard.call((a, b) => a + b, 2, 3), 5);
  assert.equal(guard.call(() => { throw new Error('boom'); }), undefined);
  assert.equal(guard.call(() => { throw new Error('again'); }), undefined);
  assert.equal(guard.call(() => 1), undefined, 'a broken module is skipped');
  assert.equal(reports.length, 1);
  assert.match(reports[0], /module "m" failed/);
  assert.equal(removed, 1);
});

test('a guard resolves a settled promise and times out one that never settles', async () => {
  const reports = [];
  const guard = createGuard('slow', (message) => reports.push(message), null, 20);
  assert.equal(await guard.call(() => Promise.resolve(7)), 7);
  assert.equal(await guard.call(() => new Promise(() => {})), undefined);
  assert.equal(guard.broken, true);
  assert.equal(reports.length, 1);
  const rejecting = createGuard('rejects', () => {}, null, 1000);
  assert.equal(await rejecting.call(() => Promise.reject(new Error('no'))), undefined);
  assert.equal(rejecting.broken, true);
});

test('strings answer in the most specific language, fall back to English and fill placeholders', () => {
  assert.deepEqual(languageChain('de-CH'), ['de-CH', 'de', 'en']);
  assert.deepEqual(languageChain('en'), ['en']);
  let language = 'de-AT';
  const strings = createStrings(() => language);
  strings.add('en', { hello: 'Hello {name}', bye: 'Bye' });
  strings.add('de', { hello: 'Hallo {name}' });
  assert.equal(strings.t('hello', { name: 'Ada' }), 'Hallo Ada');
  assert.equal(strings.t('bye'), 'Bye');
  assert.equal(strings.t('missing'), 'missing');
  assert.equal(strings.t('hello'), 'Hallo {name}');
  language = 'fr';
  assert.equal(strings.t('hello', { name: 1 }), 'Hello 1');
});

test('module storage is namespaced and writes nothing before the visitor interacted', () => {
  const backing = new Map();
  const storage = { getItem: (key) => (backing.has(key) ? backing.get(key) : null), setItem: (key, value) => backing.set(key, value) };
  let interacted = false;
  const a = createModuleStorage(storage, 'sanctum-chat:module:a:x', () => interacted);
  const b = createModuleStorage(storage, 'sanctum-chat:module:b:x', () => interacted);
  assert.equal(a.set('seen', 1), false);
  assert.equal(a.get('seen'), 1, 'kept in memory');
  assert.equal(backing.size, 0);
  interacted = true;
  assert.equal(b.set('seen', 2), true);
  assert.equal(a.flush(), true);
  assert.deepEqual(JSON.parse(backing.get('sanctum-chat:module:a:x')), { seen: 1 });
  assert.deepEqual(JSON.parse(backing.get('sanctum-chat:module:b:x')), { seen: 2 });
  assert.equal(a.remove('seen'), true);
  assert.deepEqual(JSON.parse(backing.get('sanctum-chat:module:a:x')), {});
  const blocked = createModuleStorage({ getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } }, 'k', () => true);
  assert.equal(blocked.set('x', 1), false);
  assert.equal(blocked.get('x'), 1);
});
