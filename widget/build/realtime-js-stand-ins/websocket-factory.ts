/**
 * Stand-in for `@supabase/realtime-js/dist/module/lib/websocket-factory.js` in the widget build
 * (widget/build/trim-realtime-js.ts). The real factory looks for a WebSocket constructor in Node,
 * Deno, Cloudflare and edge runtimes and explains why there is none; the widget runs in a browser,
 * where it is the global `WebSocket`. RealtimeClient calls `getWebSocketConstructor()` when no
 * `transport` is given, and nothing else of the class (trim-realtime-js.test.ts checks both).
 */
export class WebSocketFactory {
  static getWebSocketConstructor(): typeof WebSocket {
    return WebSocket;
  }
}

export default WebSocketFactory;
