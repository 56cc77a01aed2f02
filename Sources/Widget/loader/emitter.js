// The public event emitter behind SanctumChat.on / off (docs/widget.md#events).

/**
 * Creates an emitter. A listener that throws is reported to `onError(error, eventName)` and
 * never stops the other listeners; listeners added during an emit run from the next emit on.
 * @param {(error: unknown, eventName: string) => void} [onError]
 */
export function createEmitter(onError) {
  let listeners = Object.create(null);

  /** Removes one listener (`off(name, fn)`), all of an event (`off(name)`) or all (`off()`). */
  const off = (name, listener) => {
    if (name == null) listeners = Object.create(null);
    else if (!listener) delete listeners[name];
    else if (listeners[name] && listeners[name].includes(listener)) listeners[name].splice(listeners[name].indexOf(listener), 1);
  };

  return {
    /** Adds a listener; returns the function that removes it again. */
    on(name, listener) {
      if (typeof listener !== 'function') return () => {};
      (listeners[name] = listeners[name] || []).push(listener);
      return () => off(name, listener);
    },
    off,
    /** Calls the listeners of `name` with `data`. */
    emit(name, data) {
      for (const listener of (listeners[name] || []).slice()) {
        try { listener(data); } catch (error) { if (onError) onError(error, name); }
      }
    }
  };
}
