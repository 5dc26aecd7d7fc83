/**
 * Stand-ins for three sections of `@supabase/phoenix` (the Phoenix client inside realtime-js) in
 * the widget build (widget/build/trim-phoenix.ts). realtime-js always hands Phoenix's `Socket` a
 * WebSocket `transport` and its own `encode`/`decode` (trim-phoenix.test.ts checks it), so the
 * long-polling transport, its XHR helper and Phoenix's own serializer never run in the widget:
 *
 * - `Ajax`: only `appendParams` stays (the socket builds its URL with it), written anew to the
 *   same rules: nested objects as `key[sub]=…`, `&` when the URL already has a query;
 * - `LongPoll`: a class the socket compares its transport with, and that fails if constructed;
 * - `serializer`: Phoenix's default encoder and decoder, which fail if called.
 */

/** What the widget left out; reaching it means the trimmed build needs a second look. */
function notInWidget(what: string): never {
  throw new Error(`${what} is not part of the Chorus widget build (widget/build/trim-phoenix.ts)`);
}

type Params = Record<string, unknown>;

export class Ajax {
  /**
   * `url` with `params` as a query string.
   * @example Ajax.appendParams('wss://h/socket/websocket', { vsn: '2.0.0' }) // 'wss://h/socket/websocket?vsn=2.0.0'
   */
  static appendParams(url: string, params: Params): string {
    if (Object.keys(params).length === 0) return url;
    return `${url}${url.includes('?') ? '&' : '?'}${Ajax.serialize(params)}`;
  }

  static serialize(params: Params | null, parentKey?: string): string {
    const pairs: string[] = [];
    for (const key of Object.keys(params ?? {})) {
      const name = parentKey ? `${parentKey}[${key}]` : key;
      const value = params![key];
      pairs.push(
        typeof value === 'object'
          ? Ajax.serialize(value as Params, name)
          : `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`,
      );
    }
    return pairs.join('&');
  }
}

export class LongPoll {
  constructor() {
    notInWidget('Phoenix long polling');
  }
}

export const serializer = {
  encode(): never {
    return notInWidget("Phoenix's default serializer");
  },
  decode(): never {
    return notInWidget("Phoenix's default serializer");
  },
};
