// Namespaced storage of a module: one localStorage record per module and Sanctum server. Like
// the core's conversation, nothing is written before the visitor interacted with the chat;
// until then values live in memory and are written on the first write after interaction.

/**
 * @param {Storage | null} storage `localStorage` (null or throwing when blocked)
 * @param {string} key the module's record key
 * @param {() => boolean} interacted whether the visitor has interacted (the core has a session)
 */
export function createModuleStorage(storage, key, interacted) {
  let values = null;
  const load = () => {
    if (values) return values;
    try { values = JSON.parse(storage.getItem(key)) || {}; } catch (error) { values = {}; }
    if (typeof values !== 'object' || Array.isArray(values)) values = {};
    return values;
  };
  /** Writes the record; false before the visitor interacted or when storage fails. */
  const flush = () => {
    if (!interacted()) return false;
    try {
      storage.setItem(key, JSON.stringify(load()));
      return true;
    } catch (error) { return false; }
  };
  return {
    get: (name) => load()[name],
    /** Sets `name` (JSON-serialisable); true when it reached localStorage. */
    set(name, value) {
      load()[name] = value;
      return flush();
    },
    remove(name) {
      delete load()[name];
      return flush();
    },
    flush
  };
}
