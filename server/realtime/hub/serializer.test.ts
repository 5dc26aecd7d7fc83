import { describe, expect, it } from 'vitest';
import {
  decodeBinary,
  decodeText,
  encodeText,
  encodeUserBroadcast,
  negotiateVsn,
} from './serializer.ts';

const bytes = (...parts: Array<number[] | string>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
  );

describe('serializer', () => {
  it('negotiates vsn as Phoenix does: missing means 1.0.0, unknown is refused', () => {
    const offered = [null, '1.0.0', '2.0.0', '3.0.0', '2'];
    expect(offered.map(negotiateVsn)).toEqual(['1.0.0', '1.0.0', '2.0.0', null, null]);
  });

  it('decodes a vsn 2 array frame and a vsn 1 object frame', () => {
    expect(decodeText('[null,"13","phoenix","heartbeat",{}]', '2.0.0')).toEqual({
      kind: 'frame',
      frame: { joinRef: null, ref: '13', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
    expect(
      decodeText('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"12"}', '1.0.0'),
    ).toEqual({
      kind: 'frame',
      frame: { joinRef: null, ref: '12', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
  });

  it('drops malformed text frames', () => {
    for (const text of [
      '',
      'nope',
      '{}',
      '[1,2,3]',
      '["1","1","t"]',
      '[1,"1","t","e",{}]',
      'null',
      '{"topic":"t","event":"e","payload":{}}',
    ]) {
      expect(decodeText(text, text.startsWith('{') ? '1.0.0' : '2.0.0')).toBeNull();
    }
  });

  it('drops frames nested deeper than the protocol ever needs, without deep recursion', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(
      decodeText(`["1","1","realtime:a","broadcast",{"event":"x","payload":${deep}}]`, '2.0.0'),
    ).toBeNull();
    const fine = `${'['.repeat(20)}${']'.repeat(20)}`;
    expect(
      decodeText(`["1","1","realtime:a","broadcast",{"event":"x","payload":${fine}}]`, '2.0.0'),
    ).not.toBeNull();
  });

  it('decodes the captured kind 3 push of realtime-js 2.119.0', () => {
    // send({type:'broadcast', event:'ev', payload:{hello:'wörld'}}) on realtime:room1, join_ref "6", ref "7"
    const frame = bytes(
      [3, 1, 1, 14, 2, 0, 1],
      '6',
      '7',
      'realtime:room1',
      'ev',
      '{"hello":"wörld"}',
    );
    const decoded = decodeBinary(frame, '2.0.0');
    expect(decoded?.kind).toBe('user-broadcast');
    if (decoded?.kind !== 'user-broadcast') return;
    expect({ ...decoded.push, body: decoded.push.body.toString() }).toEqual({
      joinRef: '6',
      ref: '7',
      topic: 'realtime:room1',
      userEvent: 'ev',
      encoding: 1,
      body: '{"hello":"wörld"}',
    });
  });

  it('skips client metadata and refuses lying sizes, other kinds and vsn 1', () => {
    const withMetadata = bytes(
      [3, 1, 1, 1, 1, 16, 1],
      'a',
      'b',
      't',
      'e',
      '{"persist":true}',
      '{}',
    );
    expect(decodeBinary(withMetadata, '2.0.0')).toMatchObject({
      push: { topic: 't', userEvent: 'e' },
    });
    expect(decodeBinary(bytes([3, 200, 1, 1, 1, 0, 1], 'abc'), '2.0.0')).toBeNull();
    expect(decodeBinary(bytes([3, 0, 0, 1, 1, 0, 7], 'te'), '2.0.0')).toBeNull();
    expect(decodeBinary(bytes([4, 1, 1, 0, 1], 'te{}'), '2.0.0')).toBeNull();
    expect(decodeBinary(withMetadata, '1.0.0')).toBeNull();
  });

  it('encodes a kind 4 broadcast byte for byte, and refuses fields over 255 bytes', () => {
    expect([...encodeUserBroadcast('realtime:room1', 'ev', 1, Buffer.from('{"a":1}'))!]).toEqual([
      ...bytes([4, 14, 2, 0, 1], 'realtime:room1', 'ev', '{"a":1}'),
    ]);
    expect(encodeUserBroadcast(`realtime:${'x'.repeat(250)}`, 'ev', 1, Buffer.alloc(0))).toBeNull();
  });

  it('encodes replies without join_ref on vsn 1 and as arrays on vsn 2', () => {
    const reply = {
      joinRef: '6',
      ref: '7',
      topic: 'realtime:room1',
      event: 'phx_reply',
      payload: { status: 'ok', response: {} },
    };
    expect(encodeText(reply, '1.0.0')).toBe(
      '{"topic":"realtime:room1","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"7"}',
    );
    expect(encodeText(reply, '2.0.0')).toBe(
      '["6","7","realtime:room1","phx_reply",{"status":"ok","response":{}}]',
    );
  });
});
