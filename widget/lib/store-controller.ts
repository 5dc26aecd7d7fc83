import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ReadableAtom } from 'nanostores';

/**
 * Re-renders a Lit element when a nanostores store changes. Unlike `@nanostores/lit`'s controller
 * (CommonJS only, so it does not load unbundled in the browser tests), the store is chosen by a
 * function, so an element whose `state` property is replaced follows the new store.
 * @example
 * private readonly messages = new StoreController(this, () => this.state?.transcript.$messages);
 * render() { return html`${this.messages.value?.length ?? 0} messages`; }
 */
export class StoreController<Value> implements ReactiveController {
  #current: ReadableAtom<Value> | undefined;
  #unsubscribe: (() => void) | undefined;

  readonly #host: ReactiveControllerHost;
  readonly #select: () => ReadableAtom<Value> | undefined;

  constructor(host: ReactiveControllerHost, select: () => ReadableAtom<Value> | undefined) {
    this.#host = host;
    this.#select = select;
    host.addController(this);
  }

  /** The store's value, or undefined while there is no store. */
  get value(): Value | undefined {
    return (this.#current ?? this.#select())?.get();
  }

  hostConnected(): void {
    this.#sync();
  }

  hostUpdate(): void {
    this.#sync();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#current = undefined;
  }

  #sync(): void {
    const next = this.#select();
    if (next === this.#current) return;
    this.#unsubscribe?.();
    this.#current = next;
    this.#unsubscribe = next?.listen(() => this.#host.requestUpdate());
  }
}
