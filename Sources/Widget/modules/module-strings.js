// Interface strings of a module: per language, with `{name}` placeholders and plural forms
// (`{"one": "…", "other": "…"}`, chosen by Intl.PluralRules).

/**
 * The candidates for `language`, most specific first: `de-CH` → `['de-CH', 'de', 'en']`.
 * @param {string} language BCP 47 tag
 */
export function languageChain(language) {
  const tag = String(language || 'en');
  return [tag, tag.split('-')[0], 'en'].filter((value, index, all) => all.indexOf(value) === index);
}

/**
 * The language to show: the first of the browser's `preferred` tags the site `offers` (exactly,
 * else by its base language: `pt-BR` → `pt`), else `fallback`.
 * @param {readonly string[]} preferred navigator.languages
 * @param {string[]} offers the site's languages
 * @param {string} fallback the site's default
 */
export function pickLanguage(preferred, offers, fallback) {
  const lower = offers.map((tag) => tag.toLowerCase());
  for (const tag of preferred || []) {
    const wanted = [String(tag).toLowerCase(), String(tag).toLowerCase().split('-')[0]];
    const found = wanted.map((candidate) => lower.indexOf(candidate)).find((index) => index >= 0);
    if (found !== undefined) return offers[found];
  }
  return fallback;
}

/**
 * The form of `forms` ({one, other, …}) for the count in `vars` (`count`, else its first number).
 * @param {object} forms texts by plural category
 * @param {string} language BCP 47 tag
 * @param {object} [vars] placeholder values
 */
export function pluralForm(forms, language, vars) {
  const values = Object.values(vars || {});
  const count = vars && vars.count != null ? vars.count : values.find((value) => typeof value === 'number');
  let category = 'other';
  try { category = new Intl.PluralRules(language).select(Number(count)); } catch (error) { /* an unknown tag */ }
  return forms[category] != null ? forms[category] : forms.other;
}

/**
 * A string table: `add(language, table)` merges texts, `t(key, vars)` answers in the first
 * language of the chain that has the key (else the key itself), `{name}` replaced from `vars`.
 * @param {() => string} language the widget's current language
 */
export function createStrings(language) {
  const tables = Object.create(null);
  return {
    add(lang, table) {
      if (table && typeof table === 'object') tables[lang] = Object.assign(tables[lang] || {}, table);
    },
    /** The entry of `key` as a table has it (a text or plural forms), with its language. */
    entry(key) {
      const lang = languageChain(language()).find((candidate) => tables[candidate] && tables[candidate][key] != null);
      return lang ? { lang, value: tables[lang][key] } : null;
    },
    t(key, vars) {
      const found = this.entry(key);
      const lang = found && found.lang;
      let text = found ? found.value : String(key);
      if (typeof text === 'object') text = pluralForm(text, lang, vars);
      return String(text).replace(/\{(\w+)\}/g, (match, name) => (vars && vars[name] != null ? String(vars[name]) : match));
    }
  };
}
