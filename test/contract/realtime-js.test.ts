/**
 * The official @supabase/realtime-js client against the embedded hub, on both protocol versions:
 * what works against hosted Supabase must work here unchanged (docs/realtime-protocol.md).
 */
import type { RealtimeChannel } from '@supabase/realtime-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, nowSeconds, startTestHub, type TestHub } from '../helpers/hub.ts';
import {
  droppableTransport,
  realtimeClients,
  subscribe,
  type Vsn,
} from '../helpers/realtime-js.ts';
import { waitFor } from '../helpers/wait-for.ts';

type Received = { event: string; payload: Record<string, unknown> };

function collectBroadcasts(channel: RealtimeChannel): Received[] {
  const received: Received[] = [];
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push({ event: message.event, payload: message.payload }),
  );
  return received;
}

describe.each<Vsn>(['1.0.0', '2.0.0'])('realtime-js %s against the hub', (vsn) => {
  let testHub: TestHub;
  const clients = realtimeClients(() => testHub.realtimeUrl);

  beforeEach(async () => {
    testHub = await startTestHub();
  });
  afterEach(async () => {
    await clients.disconnectAll();
    await testHub.close();
  });

  const anon = () => clients.create({ vsn, apikey: testHub.anonKey });
  const member = (room: string, extra = {}) =>
    clients.create({ vsn, apikey: testHub.anonKey, token: testHub.roomToken(room, extra) });
  const service = () => clients.create({ vsn, apikey: testHub.serviceKey });

  describe('joining', () => {
    it('joins a public channel with the anon key', async () => {
      const client = anon();
      expect(await subscribe(client, client.channel('lobby'))).toEqual({ status: 'SUBSCRIBED' });
    });

    it('joins the private channel of the room named in its token', async () => {
      const client = member('lobby');
      expect(
        await subscribe(client, client.channel('room:lobby', { config: { private: true } })),
      ).toEqual({ status: 'SUBSCRIBED' });
    });

    it('refuses a private join with no user token (the anon key has no room)', async () => {
      const client = anon();
      const outcome = await subscribe(
        client,
        client.channel('room:lobby', { config: { private: true } }),
      );
      expect(outcome.status).toBe('CHANNEL_ERROR');
      expect(outcome.error?.message).toBe(
        'Unauthorized: You do not have permissions to read from this Channel topic: room:lobby',
      );
    });

    it('refuses a token for another room', async () => {
      const client = member('elsewhere');
      const outcome = await subscribe(
        client,
        client.channel('room:lobby', { config: { private: true } }),
      );
      expect(outcome.error?.message).toBe(
        'Unauthorized: You do not have permissions to read from this Channel topic: room:lobby',
      );
    });

    it('refuses an expired token, saying how long ago it expired', async () => {
      const client = clients.create({
        vsn,
        apikey: testHub.anonKey,
        token: testHub.roomToken('lobby', { exp: nowSeconds() - 30 }),
      });
      const outcome = await subscribe(
        client,
        client.channel('room:lobby', { config: { private: true } }),
      );
      expect(outcome.status).toBe('CHANNEL_ERROR');
      expect(outcome.error?.message).toMatch(
        /^InvalidJWTToken: Token has expired (30|31|32) seconds ago$/,
      );
    });

    it('refuses a token signed with another secret', async () => {
      const forged = testHub.token({ role: 'service_role' }, `not-${TEST_JWT_SECRET}`);
      const client = clients.create({ vsn, apikey: testHub.anonKey, token: forged });
      const outcome = await subscribe(
        client,
        client.channel('room:lobby', { config: { private: true } }),
      );
      expect(outcome.error?.message).toBe('JwtSignatureError: Failed to validate JWT signature');
    });

    it('refuses a token without role and exp', async () => {
      const client = clients.create({
        vsn,
        apikey: testHub.anonKey,
        token: testHub.token({ role: undefined, exp: undefined, sub: 'x' }),
      });
      const outcome = await subscribe(client, client.channel('lobby'));
      expect(outcome.error?.message).toBe(
        'InvalidJWTToken: Fields `role` and `exp` are required in JWT',
      );
    });

    it('refuses a malformed token', async () => {
      const client = clients.create({ vsn, apikey: testHub.anonKey, token: 'not.a-jwt' });
      const outcome = await subscribe(client, client.channel('lobby'));
      expect(outcome.error?.message).toBe('MalformedJWT: The token provided is not a valid JWT');
    });
  });

  describe('broadcast', () => {
    it('reaches the other members but not the sender unless it asked for self', async () => {
      const [alice, bob] = [anon(), anon()];
      const aliceChannel = alice.channel('lobby');
      const bobChannel = bob.channel('lobby', { config: { broadcast: { self: true } } });
      const aliceReceived = collectBroadcasts(aliceChannel);
      const bobReceived = collectBroadcasts(bobChannel);
      await Promise.all([subscribe(alice, aliceChannel), subscribe(bob, bobChannel)]);

      await aliceChannel.send({
        type: 'broadcast',
        event: 'from-alice',
        payload: { text: 'héllo' },
      });
      await bobChannel.send({ type: 'broadcast', event: 'from-bob', payload: { n: 1 } });

      await waitFor(() => bobReceived.length === 2 && aliceReceived.length === 1, {
        what: 'both broadcasts',
      });
      expect(bobReceived).toEqual([
        { event: 'from-alice', payload: { text: 'héllo' } },
        { event: 'from-bob', payload: { n: 1 } },
      ]);
      expect(aliceReceived).toEqual([{ event: 'from-bob', payload: { n: 1 } }]);
    });

    it('acknowledges a send when asked, and times out a forbidden send on a private channel', async () => {
      const client = clients.create({
        vsn,
        apikey: testHub.anonKey,
        token: testHub.roomToken('lobby'),
        timeout: 400,
      });
      const channel = client.channel('room:lobby', {
        config: { private: true, broadcast: { ack: true } },
      });
      const observer = service();
      const observerChannel = observer.channel('room:lobby', { config: { private: true } });
      const seen = collectBroadcasts(observerChannel);
      await Promise.all([subscribe(client, channel), subscribe(observer, observerChannel)]);

      expect(
        await channel.send({ type: 'broadcast', event: 'typing', payload: { typing: true } }),
      ).toBe('ok');
      expect(
        await channel.send({
          type: 'broadcast',
          event: 'message-start',
          payload: { id: 'forged' },
        }),
      ).toBe('timed out');
      await waitFor(() => seen.length === 1);
      // The hub fills in who is typing from the token (room-protocol.ts).
      expect(seen).toEqual([
        { event: 'typing', payload: { participantId: 'user-lobby', name: 'Tester', typing: true } },
      ]);
    });

    it('lets the service role send any event on a private channel', async () => {
      const agent = clients.create({ vsn, apikey: testHub.serviceKey, timeout: 1000 });
      const agentChannel = agent.channel('room:lobby', {
        config: { private: true, broadcast: { ack: true } },
      });
      const widget = member('lobby');
      const widgetChannel = widget.channel('room:lobby', { config: { private: true } });
      const seen = collectBroadcasts(widgetChannel);
      await Promise.all([subscribe(agent, agentChannel), subscribe(widget, widgetChannel)]);

      expect(
        await agentChannel.send({
          type: 'broadcast',
          event: 'text-delta',
          payload: { id: 'm1', seq: 1, delta: 'Hi' },
        }),
      ).toBe('ok');
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toEqual({ event: 'text-delta', payload: { id: 'm1', seq: 1, delta: 'Hi' } });
    });

    it('keeps private and public channels of one name apart', async () => {
      const widget = member('lobby');
      const privateChannel = widget.channel('room:lobby', { config: { private: true } });
      const seen = collectBroadcasts(privateChannel);
      const outsider = anon();
      const publicChannel = outsider.channel('room:lobby');
      await Promise.all([subscribe(widget, privateChannel), subscribe(outsider, publicChannel)]);

      await publicChannel.send({
        type: 'broadcast',
        event: 'message-start',
        payload: { spoofed: true },
      });
      testHub.hub.publish({ topic: 'room:lobby', event: 'marker', payload: {} });
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([{ event: 'marker', payload: {} }]);
    });

    it('sends through the REST endpoint with httpSend', async () => {
      const sender = member('lobby');
      const senderChannel = sender.channel('room:lobby', { config: { private: true } });
      const receiver = member('lobby');
      const receiverChannel = receiver.channel('room:lobby', { config: { private: true } });
      const seen = collectBroadcasts(receiverChannel);
      await Promise.all([subscribe(sender, senderChannel), subscribe(receiver, receiverChannel)]);

      await expect(senderChannel.httpSend('typing', { typing: true })).resolves.toEqual({
        success: true,
      });
      await expect(senderChannel.httpSend('message', { forged: true })).rejects.toThrow(
        'Unauthorized',
      );
      await expect(
        senderChannel.httpSend('typing', { participantId: 'user-someone-else', typing: true }),
      ).rejects.toThrow();
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([
        { event: 'typing', payload: { participantId: 'user-lobby', name: 'Tester', typing: true } },
      ]);
    });
  });

  describe('presence', () => {
    it('syncs three clients, and one that drops without leaving disappears', async () => {
      const dropping = droppableTransport();
      const people = [
        member('lobby', { sub: 'person-0' }),
        member('lobby', { sub: 'person-1' }),
        clients.create({
          vsn,
          apikey: testHub.anonKey,
          token: testHub.roomToken('lobby', { sub: 'person-2' }),
          transport: dropping.transport,
        }),
      ];
      const channels = people.map((client, index) =>
        client.channel('room:lobby', {
          config: { private: true, presence: { key: `person-${index}` } },
        }),
      );
      for (const channel of channels) channel.on('presence', { event: 'sync' }, () => {});
      await Promise.all(people.map((client, index) => subscribe(client, channels[index]!)));
      await Promise.all(
        channels.map((channel, index) => channel.track({ kind: 'human', name: `Person ${index}` })),
      );

      const keys = (channel: RealtimeChannel) => Object.keys(channel.presenceState()).sort();
      for (const channel of channels)
        await waitFor(() => keys(channel).length === 3, { what: 'three presences' });
      expect(channels[0]!.presenceState()['person-2']).toEqual([
        expect.objectContaining({ kind: 'human', name: 'Person 2' }),
      ]);

      expect(await channels[1]!.track({ kind: 'human', name: 'Person 1', status: 'idle' })).toBe(
        'ok',
      );
      await waitFor(
        () => channels[0]!.presenceState<{ status?: string }>()['person-1']?.[0]?.status === 'idle',
        { what: 'the update' },
      );
      expect(channels[0]!.presenceState()['person-1']).toHaveLength(1);

      dropping.drop();
      for (const channel of channels.slice(0, 2)) {
        await waitFor(() => keys(channel).join() === 'person-0,person-1', {
          what: 'the dropped client to leave',
        });
      }
    });

    it('removes a presence on untrack', async () => {
      const [alice, bob] = [member('lobby', { sub: 'alice' }), member('lobby', { sub: 'bob' })];
      const aliceChannel = alice.channel('room:lobby', {
        config: { private: true, presence: { key: 'alice' } },
      });
      const bobChannel = bob.channel('room:lobby', {
        config: { private: true, presence: { key: 'bob' } },
      });
      bobChannel.on('presence', { event: 'sync' }, () => {});
      await Promise.all([subscribe(alice, aliceChannel), subscribe(bob, bobChannel)]);
      await aliceChannel.track({ name: 'Alice' });
      await waitFor(() => bobChannel.presenceState().alice);
      expect(await aliceChannel.untrack()).toBe('ok');
      await waitFor(() => !bobChannel.presenceState().alice, { what: 'alice to leave' });
    });
  });

  describe('what a room member may say (docs/decisions.md, "Realtime hub: what members may say")', () => {
    /** A member, and a service-role observer of its room that sees presence and broadcasts. */
    async function memberAndObserver(options: { ack?: boolean } = {}) {
      const forger = member('lobby', { sub: 'guest:mallory', name: 'Mallory' });
      const forgerChannel = forger.channel('room:lobby', {
        config: {
          private: true,
          broadcast: { ack: options.ack ?? false },
          presence: { key: 'sage' },
        },
      });
      const observer = service();
      const observerChannel = observer.channel('room:lobby', {
        config: { private: true, presence: { enabled: true } },
      });
      observerChannel.on('presence', { event: 'sync' }, () => {});
      const seen = collectBroadcasts(observerChannel);
      await Promise.all([subscribe(forger, forgerChannel), subscribe(observer, observerChannel)]);
      return { forgerChannel, observerChannel, seen };
    }

    it('refuses an agent presence, and keys a member by its own participant id whatever key it asks for', async () => {
      const { forgerChannel, observerChannel } = await memberAndObserver();
      expect(
        await forgerChannel.track({ kind: 'agent', id: 'sage', name: 'Sage', status: 'streaming' }),
      ).toBe('error');
      expect(
        await forgerChannel.track({
          kind: 'human',
          id: 'guest:grace',
          name: 'M'.repeat(20_000),
          status: 'streaming',
          extra: 'x'.repeat(40_000),
        }),
      ).toBe('ok');
      await waitFor(() => Object.keys(observerChannel.presenceState()).length === 1, {
        what: 'the forger to appear',
      });
      const state = observerChannel.presenceState();
      expect(Object.keys(state)).toEqual(['guest:mallory']);
      const [meta] = state['guest:mallory']!;
      expect({ ...meta, presence_ref: undefined }).toEqual({
        kind: 'human',
        id: 'guest:mallory',
        name: 'M'.repeat(64),
        status: 'streaming',
        presence_ref: undefined,
      });
    });

    it('sends nothing for a forged or oversized typing, and answers an ack with an error', async () => {
      const { forgerChannel, seen } = await memberAndObserver({ ack: true });
      const send = (payload: Record<string, unknown>) =>
        forgerChannel.send({ type: 'broadcast', event: 'typing', payload });
      expect(await send({ participantId: 'sage', name: 'Sage', typing: true })).toBe('error');
      expect(await send({ typing: true, padding: 'x'.repeat(5_000) })).toBe('error');
      expect(await send({ typing: 'yes' })).toBe('error');
      expect(await send({ name: 'N'.repeat(20_000).slice(0, 900), typing: true })).toBe('ok');
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([
        {
          event: 'typing',
          payload: { participantId: 'guest:mallory', name: 'N'.repeat(64), typing: true },
        },
      ]);
    });
  });

  describe('tokens', () => {
    it('keeps a channel whose token was refreshed, and closes one whose token expired', async () => {
      const shortLived = () => testHub.roomToken('lobby', { exp: nowSeconds() + 2 });
      const refreshed = clients.create({ vsn, apikey: testHub.anonKey, token: shortLived() });
      const expiring = clients.create({ vsn, apikey: testHub.anonKey, token: shortLived() });
      const refreshedChannel = refreshed.channel('room:lobby', { config: { private: true } });
      const expiringChannel = expiring.channel('room:lobby', { config: { private: true } });
      const refreshedSeen = collectBroadcasts(refreshedChannel);
      const systemMessages: string[] = [];
      expiringChannel.on('system', {}, (payload: { message: string }) =>
        systemMessages.push(payload.message),
      );
      await Promise.all([
        subscribe(refreshed, refreshedChannel),
        subscribe(expiring, expiringChannel),
      ]);

      await refreshed.setAuth(testHub.roomToken('lobby'));
      await waitFor(() => systemMessages.length > 0, {
        timeoutMs: 4000,
        what: 'the expiry notice',
      });
      expect(systemMessages[0]).toMatch(/^Token has expired \d+ seconds ago$/);
      await waitFor(() => expiringChannel.state === 'closed', {
        what: 'the expired channel to close',
      });

      testHub.hub.publish({ topic: 'room:lobby', event: 'still-here', payload: {} });
      await waitFor(() => refreshedSeen.length === 1, { what: 'the refreshed channel to receive' });
      expect(refreshedChannel.state).toBe('joined');
    });

    it('closes a channel refreshed with a token for another room', async () => {
      const client = member('lobby');
      const channel = client.channel('room:lobby', { config: { private: true } });
      const systemMessages: string[] = [];
      channel.on('system', {}, (payload: { message: string }) =>
        systemMessages.push(payload.message),
      );
      await subscribe(client, channel);
      await client.setAuth(testHub.roomToken('elsewhere'));
      await waitFor(() => systemMessages.length === 1);
      expect(systemMessages).toEqual([
        'You no longer have permission to read from this Channel topic: room:lobby',
      ]);
      await waitFor(() => channel.state === 'closed');
    });
  });
});
