/**
 * Stand-in for `@supabase/realtime-js/dist/module/lib/serializer.js` in the widget build
 * (widget/build/trim-realtime-js.ts): the binary serializer of protocol vsn 2.0.0. The widget
 * speaks vsn 1.0.0, JSON text frames (widget/room/realtime-channel.ts), so RealtimeClient builds
 * one of these and binds its methods but never calls them.
 */
export default class Serializer {
  encode(): never {
    throw new Error(
      'Realtime protocol vsn 2.0.0 is not part of the Chorus widget build (it speaks 1.0.0)',
    );
  }

  decode(): never {
    return this.encode();
  }
}
