// Interface strings of a module: per language, with `{name}` placeholders.

/**
 * The candidates for `language`, most specific first: `de-CH` → `['de-CH', 'de', 'en']`.
 * @param {string} language BCP 47 tag
 */
export function languageChain(language) {
  const tag = String(language || 'en');
  return [tag, tag.split('-')[0], 'en'].filter((value, index, all) => all.indexOf(value) === index);
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
    t(key, vars) {
      const lang = languageChain(language()).find((candidate) => tables[candidate] && typeof tables[candidate][key] === 'string');
      const text = lang ? tables[lang][key] : String(key);
      return text.replace(/\{(\w+)\}/g, (match, name) => (vars && vars[name] != null ? String(vars[name]) : match));
    }
  };
}
