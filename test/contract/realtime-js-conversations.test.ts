/**
 * Support rooms on the embedded hub, through the official @supabase/realtime-js client
 * (docs/architecture.md §8): a visitor reaches only its own conversation's channel; an operator of
 * support room R reaches R, R's conversations and the read-only staff channel `inbox:R`; an admin
 * reaches every room. The hub learns a conversation's parent from its `conversationParent`
 * option, backed here by a Map (the store wiring is tested with the server).
 */
import type { RealtimeChannel } from '@supabase/realtime-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessRoomBus } from '../../server/realtime/in-process-room-bus.ts';
import { RealtimeJsRoomBus } from '../../server/realtime/realtime-js-room-bus.ts';
import type { RoomBus } from '../../server/realtime/room-bus.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { nodeTransport, realtimeClients, subscribe, type Vsn } from '../helpers/realtime-js.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Two support rooms and their conversations: conversation id -> support room. */
const PARENTS = new Map([
  ['c_support0000000001', 'support'],
  ['c_support0000000002', 'support'],
  ['c_helpdesk000000001', 'helpdesk'],
]);
const ADA_CONVERSATION = 'c_support0000000001';
const BOB_CONVERSATION = 'c_support0000000002';
const HELPDESK_CONVERSATION = 'c_helpdesk000000001';

type Received = { event: string; payload: Record<string, unknown> };

function collectBroadcasts(channel: RealtimeChannel): Received[] {
  const received: Received[] = [];
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push({ event: message.event, payload: message.payload }),
  );
  return received;
}

const unauthorized = (topic: string) =>
  `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`;

describe.each<Vsn>(['1.0.0', '2.0.0'])('conversations and roles, realtime-js %s', (vsn) => {
  let testHub: TestHub;
  let lookups: string[];
  const clients = realtimeClients(() => testHub.realtimeUrl);

  beforeEach(async () => {
    lookups = [];
    testHub = await startTestHub({
      conversationParent: async (roomId) => {
        lookups.push(roomId);
        return PARENTS.get(roomId) ?? null;
      },
    });
  });
  afterEach(async () => {
    await clients.disconnectAll();
    await testHub.close();
  });

  /** A realtime-js client holding a room token as POST /api/session issues it. */
  const person = (room: string, role: string, sub: string, name = sub) =>
    clients.create({
      vsn,
      apikey: testHub.anonKey,
      token: testHub.token({
        iss: 'chorus',
        role: 'authenticated',
        sub,
        room,
        name,
        chorus_role: role,
      }),
      timeout: 500,
    });
  const visitor = (conversation = ADA_CONVERSATION) =>
    person(conversation, 'guest', 'guest:ada', 'Ada');
  const operator = (room = 'support') => person(room, 'operator', `staff:${room}`, 'Olga');
  const admin = () => person('support', 'admin', 'staff:root', 'Root');

  /** Whether `client` may join the private channel `topic`: null when joined, else the refusal. */
  async function joinOutcome(
    client: ReturnType<typeof person>,
    topic: string,
  ): Promise<string | null> {
    const outcome = await subscribe(client, client.channel(topic, { config: { private: true } }));
    if (outcome.status === 'SUBSCRIBED') return null;
    return outcome.error?.message ?? outcome.status;
  }

  describe('who joins which channel', () => {
    it("a visitor joins its own conversation, not another visitor's, nor the support room's inbox", async () => {
      const client = visitor();
      expect(await joinOutcome(client, `room:${ADA_CONVERSATION}`)).toBeNull();
      expect(await joinOutcome(client, `room:${BOB_CONVERSATION}`)).toBe(
        unauthorized(`room:${BOB_CONVERSATION}`),
      );
      expect(await joinOutcome(client, 'room:support')).toBe(unauthorized('room:support'));
      expect(await joinOutcome(client, 'inbox:support')).toBe(unauthorized('inbox:support'));
      expect(await joinOutcome(client, `inbox:${ADA_CONVERSATION}`)).toBe(
        unauthorized(`inbox:${ADA_CONVERSATION}`),
      );
    });

    it('an operator of a support room joins its inbox, the room and its conversations, nothing of another support room', async () => {
      const client = operator('support');
      expect(await joinOutcome(client, 'inbox:support')).toBeNull();
      expect(await joinOutcome(client, 'room:support')).toBeNull();
      expect(await joinOutcome(client, `room:${ADA_CONVERSATION}`)).toBeNull();
      expect(await joinOutcome(client, `room:${BOB_CONVERSATION}`)).toBeNull();
      expect(await joinOutcome(client, `room:${HELPDESK_CONVERSATION}`)).toBe(
        unauthorized(`room:${HELPDESK_CONVERSATION}`),
      );
      expect(await joinOutcome(client, 'room:helpdesk')).toBe(unauthorized('room:helpdesk'));
      expect(await joinOutcome(client, 'inbox:helpdesk')).toBe(unauthorized('inbox:helpdesk'));
      expect(await joinOutcome(client, 'room:no-such-room')).toBe(
        unauthorized('room:no-such-room'),
      );
    });

    it('an admin joins every room, conversation and inbox', async () => {
      const client = admin();
      for (const topic of [
        'room:support',
        `room:${ADA_CONVERSATION}`,
        `room:${HELPDESK_CONVERSATION}`,
        'room:helpdesk',
        'inbox:support',
        'inbox:helpdesk',
      ])
        expect(await joinOutcome(client, topic), topic).toBeNull();
      expect(lookups).toEqual([]); // an admin needs no lookup
    });

    it('a member (host-verified visitor) and a token without chorus_role are visitors', async () => {
      const member = person(ADA_CONVERSATION, 'member', 'member:ada');
      expect(await joinOutcome(member, `room:${ADA_CONVERSATION}`)).toBeNull();
      expect(await joinOutcome(member, `room:${BOB_CONVERSATION}`)).toBe(
        unauthorized(`room:${BOB_CONVERSATION}`),
      );
      const older = clients.create({
        vsn,
        apikey: testHub.anonKey,
        token: testHub.roomToken('support'),
      });
      expect(await joinOutcome(older, 'room:support')).toBeNull();
      expect(await joinOutcome(older, 'inbox:support')).toBe(unauthorized('inbox:support'));
      expect(await joinOutcome(older, `room:${ADA_CONVERSATION}`)).toBe(
        unauthorized(`room:${ADA_CONVERSATION}`),
      );
      expect(lookups).toEqual([]); // only operators' joins of other rooms are looked up
    });
  });

  describe('in a conversation', () => {
    it('the operator and the visitor hear each other type; the operator may send nothing else', async () => {
      const staff = operator();
      const staffChannel = staff.channel(`room:${ADA_CONVERSATION}`, {
        config: { private: true, broadcast: { ack: true } },
      });
      const guest = visitor();
      const guestChannel = guest.channel(`room:${ADA_CONVERSATION}`, {
        config: { private: true, broadcast: { ack: true } },
      });
      const guestSeen = collectBroadcasts(guestChannel);
      const staffSeen = collectBroadcasts(staffChannel);
      await Promise.all([subscribe(staff, staffChannel), subscribe(guest, guestChannel)]);

      expect(
        await staffChannel.send({ type: 'broadcast', event: 'typing', payload: { typing: true } }),
      ).toBe('ok');
      expect(
        await staffChannel.send({
          type: 'broadcast',
          event: 'message-deleted',
          payload: { id: 'forged' },
        }),
      ).toBe('timed out');
      expect(
        await guestChannel.send({ type: 'broadcast', event: 'typing', payload: { typing: false } }),
      ).toBe('ok');
      await waitFor(() => guestSeen.length === 1 && staffSeen.length === 1);
      expect(guestSeen).toEqual([
        {
          event: 'typing',
          payload: { participantId: 'staff:support', name: 'Olga', typing: true },
        },
      ]);
      expect(staffSeen).toEqual([
        { event: 'typing', payload: { participantId: 'guest:ada', name: 'Ada', typing: false } },
      ]);
    });

    it("the hub sets presence role from the token: an operator's shows operator, a guest's claimed admin is dropped", async () => {
      const guest = visitor();
      const guestChannel = guest.channel(`room:${ADA_CONVERSATION}`, {
        config: { private: true, presence: { key: 'guest:ada' } },
      });
      const staff = operator();
      const staffChannel = staff.channel(`room:${ADA_CONVERSATION}`, {
        config: { private: true, presence: { key: 'staff:support' } },
      });
      const observer = clients.create({ vsn, apikey: testHub.serviceKey });
      const observerChannel = observer.channel(`room:${ADA_CONVERSATION}`, {
        config: { private: true, presence: { enabled: true } },
      });
      for (const channel of [guestChannel, staffChannel, observerChannel])
        channel.on('presence', { event: 'sync' }, () => {});
      await Promise.all([
        subscribe(guest, guestChannel),
        subscribe(staff, staffChannel),
        subscribe(observer, observerChannel),
      ]);

      expect(await guestChannel.track({ kind: 'human', name: 'Ada', role: 'admin' })).toBe('ok');
      expect(await staffChannel.track({ kind: 'human', name: 'Olga', role: 'admin' })).toBe('ok');
      const metas = () => {
        const state = observerChannel.presenceState<Record<string, unknown>>();
        return Object.fromEntries(
          Object.entries(state).map(([key, [meta]]) => [key, { ...meta, presence_ref: undefined }]),
        );
      };
      await waitFor(() => Object.keys(metas()).length === 2, { what: 'both presences' });
      expect(metas()).toEqual({
        'guest:ada': { kind: 'human', id: 'guest:ada', name: 'Ada', presence_ref: undefined },
        'staff:support': {
          kind: 'human',
          id: 'staff:support',
          name: 'Olga',
          role: 'operator',
          presence_ref: undefined,
        },
      });
      // The visitor sees the same, so the widget can show who is staff.
      await waitFor(() => Object.keys(guestChannel.presenceState()).length === 2);
      expect(guestChannel.presenceState()['staff:support']).toEqual([
        expect.objectContaining({ role: 'operator' }),
      ]);
    });

    it("an admin's presence shows admin", async () => {
      const root = admin();
      const channel = root.channel(`room:${HELPDESK_CONVERSATION}`, {
        config: { private: true, presence: { key: 'staff:root' } },
      });
      channel.on('presence', { event: 'sync' }, () => {});
      await subscribe(root, channel);
      expect(await channel.track({ kind: 'human', name: 'Root' })).toBe('ok');
      await waitFor(() => channel.presenceState()['staff:root']);
      expect(channel.presenceState()['staff:root']).toEqual([
        expect.objectContaining({ id: 'staff:root', name: 'Root', role: 'admin' }),
      ]);
    });

    it('an operator refreshed with a token for another support room loses the conversation', async () => {
      const staff = operator();
      const channel = staff.channel(`room:${ADA_CONVERSATION}`, { config: { private: true } });
      const systemMessages: string[] = [];
      channel.on('system', {}, (payload: { message: string }) =>
        systemMessages.push(payload.message),
      );
      await subscribe(staff, channel);
      const sign = (room: string) =>
        testHub.token({
          iss: 'chorus',
          role: 'authenticated',
          sub: 'staff:x',
          room,
          name: 'Olga',
          chorus_role: 'operator',
        });
      await staff.setAuth(sign('support')); // the same rights: the channel stays
      await staff.setAuth(sign('helpdesk'));
      await waitFor(() => systemMessages.length === 1);
      expect(systemMessages).toEqual([
        `You no longer have permission to read from this Channel topic: room:${ADA_CONVERSATION}`,
      ]);
      await waitFor(() => channel.state === 'closed');
    });
  });

  describe('the inbox channel', () => {
    it('is read only: no typing, no other broadcast, no presence track', async () => {
      const staff = operator();
      const channel = staff.channel('inbox:support', {
        config: { private: true, broadcast: { ack: true } },
      });
      const colleague = operator();
      const colleagueChannel = colleague.channel('inbox:support', { config: { private: true } });
      const seen = collectBroadcasts(colleagueChannel);
      colleagueChannel.on('presence', { event: 'sync' }, () => {});
      await Promise.all([subscribe(staff, channel), subscribe(colleague, colleagueChannel)]);

      expect(
        await channel.send({ type: 'broadcast', event: 'typing', payload: { typing: true } }),
      ).toBe('timed out');
      expect(
        await channel.send({
          type: 'broadcast',
          event: 'conversation-updated',
          payload: { conversation: { id: 'forged' } },
        }),
      ).toBe('timed out');
      expect(await channel.track({ kind: 'human', name: 'Olga' })).toBe('error');
      await expect(channel.httpSend('typing', { typing: true })).rejects.toThrow('Unauthorized');

      testHub.hub.publish({ topic: 'inbox:support', event: 'marker', payload: {} });
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([{ event: 'marker', payload: {} }]);
      expect(colleagueChannel.presenceState()).toEqual({});
    });

    const BUSES: Array<{ name: string; create(testHub: TestHub): RoomBus }> = [
      { name: 'InProcessRoomBus', create: (hub) => new InProcessRoomBus(hub.hub) },
      {
        name: 'RealtimeJsRoomBus',
        create: (hub) =>
          new RealtimeJsRoomBus({
            url: hub.realtimeUrl,
            apiKey: hub.serviceKey,
            transport: nodeTransport,
          }),
      },
    ];

    it.each(BUSES)(
      '$name: broadcastToInbox reaches the staff of that room only',
      async ({ create }) => {
        const listeners = {
          supportOperator: operator('support'),
          supportAdmin: admin(),
          helpdeskOperator: operator('helpdesk'),
          helpdeskAdmin: admin(),
          roomWatcher: admin(),
        };
        const topics: Record<keyof typeof listeners, string> = {
          supportOperator: 'inbox:support',
          supportAdmin: 'inbox:support',
          helpdeskOperator: 'inbox:helpdesk',
          helpdeskAdmin: 'inbox:helpdesk',
          roomWatcher: 'room:support',
        };
        const seen = {} as Record<keyof typeof listeners, Received[]>;
        await Promise.all(
          (Object.keys(listeners) as Array<keyof typeof listeners>).map(async (name) => {
            const channel = listeners[name].channel(topics[name], { config: { private: true } });
            seen[name] = collectBroadcasts(channel);
            expect(await subscribe(listeners[name], channel)).toEqual({ status: 'SUBSCRIBED' });
          }),
        );
        const bus = create(testHub);
        try {
          const updates = [1, 2, 3].map((n) => ({
            conversation: { id: ADA_CONVERSATION, status: 'bot', preview: `part ${n}` },
          }));
          await Promise.all(
            updates.map((payload) =>
              bus.broadcastToInbox('support', 'conversation-updated', payload),
            ),
          );
          await bus.broadcast('support', 'marker', {});
          await waitFor(() => seen.roomWatcher.length === 1, { what: 'the room marker' });
          const expected = updates.map((payload) => ({ event: 'conversation-updated', payload }));
          await waitFor(() => seen.supportOperator.length === 3 && seen.supportAdmin.length === 3);
          expect(seen.supportOperator).toEqual(expected);
          expect(seen.supportAdmin).toEqual(expected);
          expect(seen.helpdeskOperator).toEqual([]);
          expect(seen.helpdeskAdmin).toEqual([]);
          expect(seen.roomWatcher).toEqual([{ event: 'marker', payload: {} }]);
        } finally {
          await bus.close();
        }
      },
    );
  });
});

describe('without conversationParent', () => {
  let testHub: TestHub;
  const clients = realtimeClients(() => testHub.realtimeUrl);
  beforeEach(async () => {
    testHub = await startTestHub();
  });
  afterEach(async () => {
    await clients.disconnectAll();
    await testHub.close();
  });

  it('an operator reaches only its own room and inbox', async () => {
    const client = clients.create({
      vsn: '2.0.0',
      apikey: testHub.anonKey,
      token: testHub.roomToken('support', { chorus_role: 'operator' }),
    });
    const join = (topic: string) =>
      subscribe(client, client.channel(topic, { config: { private: true } }));
    expect(await join('room:support')).toEqual({ status: 'SUBSCRIBED' });
    expect(await join('inbox:support')).toEqual({ status: 'SUBSCRIBED' });
    expect((await join(`room:${ADA_CONVERSATION}`)).error?.message).toBe(
      unauthorized(`room:${ADA_CONVERSATION}`),
    );
  });
});
