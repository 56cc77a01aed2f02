// The I18n plugin's language files (Plugins/I18n/Resources/widget/<language>.json) and the runtime's
// language logic: every language has every key English has, every plural category its language
// needs (Intl.PluralRules), the same placeholders, is written in its own script and is not left in
// English; the files and the module stay within their gzip budgets; the core widget's and every
// module's English texts are covered.
// Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { STRINGS } from '../../Sources/Widget/chat/strings.js';
import { createStrings, pickLanguage, pluralForm } from '../../Sources/Widget/modules/module-strings.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDER = join(ROOT, 'Plugins/I18n/Resources/widget');
const gzippedSize = (bytes) => Math.max(zlib.gzipSync(bytes, { level: 9 }).length, zlib.gzipSync(bytes).length);
const read = (language) => JSON.parse(readFileSync(join(FOLDER, language + '.json'), 'utf8'));
const LANGUAGES = readdirSync(FOLDER).filter((file) => /^[a-z]{2,3}(-[A-Za-z]+)?\.json$/.test(file)).map((file) => file.slice(0, -5));
const OTHERS = LANGUAGES.filter((language) => language !== 'en');
const ENGLISH = read('en');

/** The script each language is written in (Unicode Script_Extensions); Latin for the rest. */
const SCRIPTS = {
  ar: /\p{scx=Arabic}/u, fa: /\p{scx=Arabic}/u, ur: /\p{scx=Arabic}/u, he: /\p{scx=Hebrew}/u,
  ru: /\p{scx=Cyrillic}/u, uk: /\p{scx=Cyrillic}/u, hi: /\p{scx=Devanagari}/u, bn: /\p{scx=Bengali}/u,
  ja: /[\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Han}]/u, zh: /\p{scx=Han}/u, ko: /\p{scx=Hangul}/u
};
/** Words that stay as they are in every language (none today: the widget shows no brand name). */
const BRANDS = [];

/** Every leaf text of a file: [path, text]. */
const leaves = (table, path = []) => Object.entries(table).flatMap(([key, value]) =>
  typeof value === 'object' ? leaves(value, path.concat(key)) : [[path.concat(key).join('.'), value]]);
const placeholders = (text) => (String(text).match(/\{\w+\}/g) || []).sort().join(' ');
const letters = (text) => BRANDS.reduce((rest, brand) => rest.split(brand).join(''), String(text).replace(/\{\w+\}/g, '')).match(/\p{L}/gu) || [];
/** An English plural entry is an object of forms; a text is a string. */
const isPlural = (value) => value !== null && typeof value === 'object' && typeof value.other === 'string';

test('at least 20 languages, right-to-left ones (ar, he, fa, ur) and a CJK one among them', () => {
  assert.ok(OTHERS.length >= 20, `only ${OTHERS.length} languages besides English`);
  for (const language of ['ar', 'he', 'fa', 'ur']) assert.ok(LANGUAGES.includes(language), `${language} is missing`);
  assert.ok(['ja', 'zh', 'ko'].some((language) => LANGUAGES.includes(language)), 'no CJK language');
  const swift = readFileSync(join(ROOT, 'Plugins/I18n/I18n.swift'), 'utf8');
  const shipped = /shippedLanguages = \[([^\]]+)\]/.exec(swift)[1].match(/"([^"]+)"/g).map((tag) => tag.slice(1, -1));
  assert.deepEqual(shipped.slice().sort(), LANGUAGES.slice().sort(), 'I18n.shippedLanguages lists exactly the shipped files');
});

test('English covers the core widget (strings option, bubble, title, greeting, placeholder) and every module\'s texts', () => {
  const core = Object.keys(STRINGS).concat(['openChat', 'unread', 'title', 'greeting', 'placeholder']);
  for (const key of core) assert.ok(key in ENGLISH.i18n, `en.json i18n.${key} is missing`);
  // Every module's English texts (api.addStrings('en', {...}) in its module.js) are in its section.
  for (const plugin of readdirSync(join(ROOT, 'Plugins'))) {
    let source;
    try { source = readFileSync(join(ROOT, 'Plugins', plugin, 'Resources/widget/module.js'), 'utf8'); } catch (error) { continue; }
    const id = /SanctumChat\.module\('([^']+)'/.exec(source)[1];
    const start = source.indexOf("addStrings('en', {");
    if (start < 0) continue;
    let depth = 0, end = source.indexOf('{', start);
    for (let index = end; index < source.length; index++) {
      depth += source[index] === '{' ? 1 : source[index] === '}' ? -1 : 0;
      if (depth === 0) { end = index + 1; break; }
    }
    const table = Function('return (' + source.slice(source.indexOf('{', start), end) + ')')();
    assert.ok(ENGLISH[id], `en.json has no section for the module "${id}" (${plugin})`);
    for (const [key, text] of Object.entries(table)) {
      assert.ok(key in ENGLISH[id], `en.json ${id}.${key} is missing`);
      const english = ENGLISH[id][key];
      assert.equal(placeholders(isPlural(english) ? english.other : english), placeholders(text), `${id}.${key} placeholders`);
    }
  }
});

for (const language of OTHERS) {
  test(`${language}: every key and plural category, the same placeholders, its own script, translated`, () => {
    const table = read(language);
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
    let texts = 0, english = 0;
    for (const [section, entries] of Object.entries(ENGLISH)) {
      assert.ok(table[section], `${language}: section "${section}" is missing`);
      for (const [key, value] of Object.entries(entries)) {
        const name = `${language} ${section}.${key}`;
        const translated = table[section][key];
        assert.ok(translated != null, `${name} is missing`);
        if (isPlural(value)) {
          assert.ok(isPlural(translated), `${name} must be plural forms`);
          for (const category of categories) assert.equal(typeof translated[category], 'string', `${name} lacks the plural category "${category}"`);
          assert.equal(placeholders(translated.other), placeholders(value.other), `${name}.other placeholders`);
        } else {
          assert.equal(typeof translated, 'string', `${name} must be a text`);
          assert.equal(placeholders(translated), placeholders(value), `${name} placeholders`);
        }
      }
      for (const key of Object.keys(table[section])) assert.ok(key in entries, `${language} ${section}.${key} is not in English`);
    }
    const englishTexts = new Map(leaves(ENGLISH));
    const script = SCRIPTS[language] || /\p{scx=Latin}/u;
    for (const [path, text] of leaves(table)) {
      texts++;
      const base = path.replace(/\.(zero|one|two|few|many|other)$/, '');
      const source = englishTexts.get(path) ?? englishTexts.get(base + '.other');
      if (source === text) english++;
      const all = letters(text);
      const own = all.filter((letter) => script.test(letter)).length;
      assert.ok(all.length === 0 || own / all.length >= 0.8, `${language} ${path} is not written in its script: ${text}`);
    }
    assert.ok(english <= texts / 10, `${language}: ${english} of ${texts} texts are still English`);
  });
}

test('the module and each language file stay within the budgets (≤ 3 KB and ≤ 2 KB gzipped)', (t) => {
  const budget = JSON.parse(readFileSync(join(FOLDER, 'budget.json'), 'utf8'));
  assert.ok(budget.module <= 3072 && budget.language <= 2048);
  const module = gzippedSize(readFileSync(join(FOLDER, 'module.js')));
  assert.ok(module <= budget.module, `module.js is ${module} B gzipped`);
  const sizes = LANGUAGES.map((language) => [language, gzippedSize(readFileSync(join(FOLDER, language + '.json')))]);
  t.diagnostic(`I18n module.js ${module} B; language files ${Math.min(...sizes.map(([, size]) => size))}–${Math.max(...sizes.map(([, size]) => size))} B gzipped`);
  for (const [language, size] of sizes) assert.ok(size <= budget.language, `${language}.json is ${size} B gzipped, over ${budget.language}`);
});

test('the language: the browser\'s first one the site offers (exactly, else by its base language), else the default', () => {
  const offers = ['ar', 'de', 'en', 'pt', 'zh'];
  assert.equal(pickLanguage(['fr-FR', 'ar-EG', 'de'], offers, 'en'), 'ar');
  assert.equal(pickLanguage(['pt-BR'], offers, 'en'), 'pt');
  assert.equal(pickLanguage(['ZH-tw', 'en'], offers, 'en'), 'zh');
  assert.equal(pickLanguage(['fr', 'it'], offers, 'de'), 'de');
  assert.equal(pickLanguage([], offers, 'de'), 'de');
  assert.equal(pickLanguage(undefined, offers, 'en'), 'en');
});

test('plural forms follow Intl.PluralRules of the language, from `count` or the first number', () => {
  const forms = { zero: 'z', one: 'o', two: 't', few: 'f', many: 'm', other: 'x' };
  assert.deepEqual([0, 1, 2, 3, 11, 100].map((count) => pluralForm(forms, 'ar', { count })), ['z', 'o', 't', 'f', 'm', 'x']);
  assert.deepEqual([1, 2, 5, 22].map((max) => pluralForm(forms, 'ru', { name: 'a', max })), ['o', 'f', 'm', 'f']);
  assert.equal(pluralForm({ other: 'x' }, 'ja', { count: 1 }), 'x');
  assert.equal(pluralForm({ one: 'o', other: 'x' }, 'not a tag!', { count: 1 }), 'x');
  const strings = createStrings(() => 'pl');
  strings.add('pl', read('pl')['link-guard']);
  strings.add('en', ENGLISH['link-guard']);
  assert.equal(strings.t('tooManyLinks', { max: 1 }), 'Wiadomość może zawierać najwyżej 1 link.');
  assert.equal(strings.t('tooManyLinks', { max: 3 }), 'Wiadomość może zawierać najwyżej 3 linki.');
  assert.equal(strings.t('tooManyLinks', { max: 5 }), 'Wiadomość może zawierać najwyżej 5 linków.');
  assert.deepEqual(strings.entry('tooManyLinks').lang, 'pl');
  assert.equal(strings.entry('missing'), null);
});
