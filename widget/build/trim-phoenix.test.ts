/**
 * Guards the widget build's stand-ins for parts of Phoenix (trim-phoenix.ts) against upgrades of
 * `@supabase/phoenix` and realtime-js: when one of these fails, review the stand-ins against the
 * new release before updating the expectations.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RealtimeClient } from '@supabase/realtime-js';
import { describe, expect, it } from 'vitest';
import { nodeTransport } from '../../test/helpers/realtime-js.ts';
import { dropLogging } from './drop-realtime-logging.ts';
import { Ajax, LongPoll, serializer } from './phoenix-stand-ins/phoenix-stand-ins.ts';
import {
  LEFT_OUT_SECTIONS,
  PHOENIX_MODULE,
  sectionsOf,
  trimPhoenix,
  trimPhoenixSource,
} from './trim-phoenix.ts';

// The package's `exports` hide the file (and package.json); the ES entry is that file.
const phoenixPath = fileURLToPath(import.meta.resolve('@supabase/phoenix'));
const source = readFileSync(phoenixPath, 'utf8');
const sections = sectionsOf(source);
const leftOut = sections.filter((section) => Object.hasOwn(LEFT_OUT_SECTIONS, section.file));
const NAMES = Object.values(LEFT_OUT_SECTIONS).flat();

/** The real `Ajax` class, evaluated from its section of phoenix.mjs. */
function realAjax(): typeof Ajax {
  const section = leftOut.find((candidate) => candidate.file === 'ajax.js')!;
  return new Function('global', `${source.slice(section.start, section.end)}\nreturn Ajax;`)(
    globalThis,
  ) as typeof Ajax;
}

describe('the sections of phoenix.mjs the widget build leaves out', () => {
  it('are in the file, in order, and declare exactly the names the stand-ins provide', () => {
    expect(leftOut.map((section) => section.file)).toEqual(Object.keys(LEFT_OUT_SECTIONS));
    for (const section of leftOut) {
      const declared = [
        ...source
          .slice(section.start, section.end)
          .matchAll(/^(?:var|let|const|function|class) (\w+)/gm),
      ].map((match) => match[1]);
      expect(declared, section.file).toEqual(LEFT_OUT_SECTIONS[section.file]);
    }
  });

  it('are used by the rest of Phoenix only as reviewed', () => {
    // Each use was checked to be safe with the stand-ins: the socket compares its transport with
    // LongPoll and falls back to it only with `longPollFallbackMs` (realtime-js never sets it),
    // builds its URL with Ajax.appendParams (kept), and binds the default serializer, used only
    // when no encode/decode is given (realtime-js always gives them; see below).
    const rest = sections
      .filter((section) => !leftOut.includes(section))
      .map((section) => source.slice(section.start, section.end))
      .join('\n');
    const uses = rest
      .split('\n')
      .filter(
        (line) =>
          new RegExp(`\\b(${NAMES.join('|')})\\b`).test(line) && !line.trim().startsWith('*'),
      )
      .map((line) => line.trim());
    expect(uses).toEqual([
      'this.transport = opts.transport || global.WebSocket || LongPoll;',
      'this.defaultEncoder = serializer_default.encode.bind(serializer_default);',
      'this.defaultDecoder = serializer_default.decode.bind(serializer_default);',
      'if (this.transport !== LongPoll) {',
      'return LongPoll;',
      'let uri = Ajax.appendParams(',
      'Ajax.appendParams(this.endPoint, this.params()),',
      'if (this.longPollFallbackMs && this.transport !== LongPoll) {',
      'this.connectWithFallback(LongPoll, this.longPollFallbackMs);',
      'case LongPoll:',
      'return "LongPoll";',
    ]);
  });
});

describe('realtime-js, configured as the widget configures it', () => {
  it('hands Phoenix a WebSocket transport and its own encoder and decoder, and no long-poll fallback', () => {
    const client = new RealtimeClient('ws://127.0.0.1:9/realtime/v1', {
      params: { apikey: 'anon' },
      vsn: '1.0.0',
      transport: nodeTransport,
    });
    const socket = (client as unknown as { socketAdapter: { socket: Record<string, unknown> } })
      .socketAdapter.socket;
    expect(socket['transport']).toBe(nodeTransport);
    expect(socket['encode']).not.toBe(socket['defaultEncoder']);
    expect(socket['decode']).not.toBe(socket['defaultDecoder']);
    expect(socket['longPollFallbackMs']).toBeFalsy();
  });
});

describe('the stand-in Ajax.appendParams', () => {
  it.each<[string, Record<string, unknown>]>([
    ['ws://localhost:4000/realtime/v1/websocket', { apikey: 'anon', vsn: '1.0.0' }],
    [
      'wss://h.example/socket/websocket?x=1',
      { apikey: 'a b&c=d', log_level: 'info', vsn: '2.0.0' },
    ],
    ['wss://h.example/socket/websocket', {}],
    [
      'wss://h.example/socket/websocket',
      { user: { id: 7, name: 'Zoë' }, list: [1, 2], none: null, flag: true },
    ],
  ])('agrees with Phoenix on %s %j', (url, params) => {
    expect(Ajax.appendParams(url, params)).toBe(realAjax().appendParams(url, params));
  });
});

describe('the stand-ins', () => {
  it('fail clearly if long polling or the default serializer is ever used', () => {
    expect(() => new LongPoll()).toThrow(
      'Phoenix long polling is not part of the Chorus widget build',
    );
    expect(() => serializer.encode()).toThrow(
      "Phoenix's default serializer is not part of the Chorus widget build",
    );
    expect(() => serializer.decode()).toThrow(
      "Phoenix's default serializer is not part of the Chorus widget build",
    );
  });
});

describe('trimPhoenix', () => {
  it('takes the sections out of phoenix.mjs and imports their names from the stand-ins', () => {
    const trimmed = trimPhoenixSource(source);
    expect(trimmed).toMatch(
      /^import \{ Ajax, LongPoll, serializer as serializer_default \} from ".*phoenix-stand-ins\.ts";\n/,
    );
    for (const file of Object.keys(LEFT_OUT_SECTIONS))
      expect(trimmed).not.toContain(`// js/phoenix/${file}`);
    expect(trimmed).not.toMatch(/^var (Ajax|LongPoll|serializer_default) =/m);
    expect(trimmed).toContain('// js/phoenix/presence.js');
    expect(trimmed).toContain('// js/phoenix/socket.js');
    expect(source.length - trimmed.length).toBeGreaterThan(8_000);
  });

  it('fails the build when Phoenix no longer has the sections', () => {
    expect(() =>
      trimPhoenixSource(source.replace('// js/phoenix/longpoll.js', '// js/phoenix/long-poll.js')),
    ).toThrow(/no longer has the sections ajax\.js, longpoll\.js, serializer\.js/);
  });

  it('transforms only phoenix.mjs from node_modules', () => {
    const transform = trimPhoenix().transform as (
      code: string,
      id: string,
    ) => { code: string } | null;
    expect(transform('export {}', '/app/widget/room/phoenix.mjs')).toBeNull();
    expect(transform(source, `/app/node_modules/${PHOENIX_MODULE}`)?.code).toBe(
      dropLogging(trimPhoenixSource(source)),
    );
  });
});
