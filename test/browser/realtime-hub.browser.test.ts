/// <reference types="mocha" />
// The official realtime-js client, in Chromium, against the embedded hub of a real Chorus server.
import { RealtimeClient, type RealtimeChannel } from '@supabase/realtime-js';
import { expect } from 'chai';
import type { BrowserTestConfig } from '../helpers/browser-test-server.ts';

let config: BrowserTestConfig;
const clients: RealtimeClient[] = [];

function visitor(token: string): RealtimeClient {
  const client = new RealtimeClient(config.realtimeUrl, {
    params: { apikey: config.anonKey },
    timeout: 3000,
  });
  void client.setAuth(token);
  clients.push(client);
  return client;
}

function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    channel.subscribe((status, error) => {
      if (settled) return;
      settled = true;
      resolve(error ? `${status}: ${error.message}` : status);
      if (status !== 'SUBSCRIBED') void channel.unsubscribe(); // no endless rejoin attempts
    });
  });
}

async function until<T>(check: () => T, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('realtime-js in the browser', () => {
  before(async () => {
    config = await (await fetch('/__chorus/test-config.json')).json();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.disconnect()));
  });

  it('joins a private room, sees who is here and receives a typing broadcast from its sender only', async () => {
    const [ada, grace] = config.lobbyTokens.map(visitor) as [RealtimeClient, RealtimeClient];
    const adaChannel = ada.channel('room:lobby', {
      config: { private: true, broadcast: { ack: true }, presence: { key: 'ada' } },
    });
    const graceChannel = grace.channel('room:lobby', {
      config: { private: true, presence: { key: 'grace' } },
    });
    const typing: unknown[] = [];
    graceChannel.on('broadcast', { event: 'typing' }, ({ payload }) => typing.push(payload));
    graceChannel.on('presence', { event: 'sync' }, () => {});

    expect(await subscribed(adaChannel)).to.equal('SUBSCRIBED');
    expect(await subscribed(graceChannel)).to.equal('SUBSCRIBED');
    expect(await adaChannel.track({ kind: 'human', name: 'Ada' })).to.equal('ok');
    // A member speaks as the token's participant only (docs/decisions.md, "Realtime hub: what members may say").
    expect(
      await adaChannel.send({
        type: 'broadcast',
        event: 'typing',
        payload: { participantId: 'guest-grace', typing: true },
      }),
    ).to.equal('error');
    expect(
      await adaChannel.send({
        type: 'broadcast',
        event: 'typing',
        payload: { participantId: 'guest-ada', name: 'Ada', typing: true },
      }),
    ).to.equal('ok');

    await until(() => typing.length === 1, 'the typing broadcast');
    expect(typing).to.deep.equal([{ participantId: 'guest-ada', name: 'Ada', typing: true }]);
    const present = await until(
      () => graceChannel.presenceState<{ name: string }>()['guest-ada'],
      "Ada's presence under her own participant id",
    );
    expect(present?.[0]?.name).to.equal('Ada');
  });

  it('is refused the private channel of another room', async () => {
    const mallory = visitor(config.otherRoomToken);
    expect(await subscribed(mallory.channel('room:lobby', { config: { private: true } }))).to.equal(
      'CHANNEL_ERROR: Unauthorized: You do not have permissions to read from this Channel topic: room:lobby',
    );
  });
});
