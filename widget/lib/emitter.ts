/**
 * A tiny typed event emitter (nanoevents-style): `on` returns the unsubscribe function.
 * @example
 * const events = new Emitter<{ state: string }>();
 * const off = events.on('state', (state) => console.log(state));
 * events.emit('state', 'open'); off();
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<Name extends keyof Events>(name: Name, listener: (value: Events[Name]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  emit<Name extends keyof Events>(name: Name, value: Events[Name]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])])
      (listener as (value: Events[Name]) => void)(value);
  }

  clear(): void {
    this.#listeners.clear();
  }
}
