import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import {
  claimedRun,
  openTestStores,
  recordingLogger,
} from '../../test/helpers/orchestrator-harness.ts';
import { testPersona } from '../../test/helpers/personas.ts';
import { RecordingRoomBus } from '../../test/helpers/recording-room-bus.ts';
import {
  failure,
  finish,
  gate,
  replyParts,
  ScriptedChatModel,
  type ScriptStep,
} from '../../test/helpers/scripted-chat-model.ts';
import type { PostgresStores } from '../store/postgres-stores.ts';
import type { TokenReservation } from '../store/budget.ts';
import calculator from '../tools/calculator.tool.ts';
import { createToolRegistry } from '../tools/registry.ts';
import {
  BUDGET_ERROR,
  ReplyStopped,
  SHUTDOWN,
  runReply,
  type ReplyRunOptions,
} from './reply-run.ts';
import { ReplyCheckpoints } from './reply-checkpoints.ts';

const OPTIONS: ReplyRunOptions = {
  // A long window: the first delta goes out at once, the rest together when the call ends.
  coalesceWindowMs: 10_000,
  coalesceMaxChars: 512,
  checkpointIntervalMs: 10_000,
  maxToolSteps: 3,
  maxAttempts: 3,
  retryBaseDelayMs: 1,
};

const sage = testPersona('sage');
const scout = testPersona('scout', { tools: ['calculator'] });

let stores: PostgresStores;
let room: string;
let rooms = 0;
let bus: RecordingRoomBus;
let log: ReturnType<typeof recordingLogger>;
let statuses: string[];
let live: Map<string, unknown>;
let checkpoints: ReplyCheckpoints;

beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(async () => {
  await stores.close();
});
beforeEach(() => {
  rooms += 1;
  room = `room-${rooms}`; // one database for the file, a room per test
  bus = new RecordingRoomBus();
  log = recordingLogger();
  statuses = [];
  live = new Map();
  checkpoints = new ReplyCheckpoints(stores.transcript, OPTIONS.checkpointIntervalMs, log);
});
afterEach(() => checkpoints.close());

/** Streams one reply of `persona` in the test's room through a model playing `scripts`. */
async function reply(
  scripts: ScriptStep[][],
  options: {
    persona?: typeof sage;
    controller?: AbortController;
    reserve?: () => Promise<TokenReservation>;
    runOptions?: Partial<ReplyRunOptions>;
  } = {},
) {
  const persona = options.persona ?? sage;
  const model = new ScriptedChatModel(scripts);
  const run = await claimedRun(stores, { roomId: room, agentId: persona.handle });
  const reserved: number[] = [];
  const outcome = await runReply(
    {
      run,
      persona,
      model,
      system: 'You are a test.',
      turns: [{ role: 'user', name: 'Ada', content: 'A question' }],
      settings: { maxOutputTokens: 100 },
      signal: (options.controller ?? new AbortController()).signal,
    },
    {
      store: stores,
      bus,
      tools: createToolRegistry([calculator]),
      log,
      options: { ...OPTIONS, ...options.runOptions },
      checkpoints,
      reserve: async (tokens) => {
        reserved.push(tokens);
        return options.reserve ? options.reserve() : 'reserved';
      },
      onLive: (messageId, emitter) =>
        emitter ? live.set(messageId, emitter) : live.delete(messageId),
      setStatus: async (status) => {
        statuses.push(status);
      },
    },
  );
  return {
    outcome,
    model,
    run,
    reserved,
    stored: await stores.transcript.getMessage(run.messageId),
  };
}

const sequenced = (messageId: string) =>
  bus
    .events(room)
    .filter((entry) => entry.payload['id'] === messageId && entry.event !== 'message-start');
const deltas = (messageId: string) =>
  sequenced(messageId)
    .filter((entry) => entry.event === 'text-delta')
    .map((entry) => entry.payload['delta']);

describe('runReply: a reply from start to end', () => {
  it('broadcasts message-start, numbered coalesced deltas and message-end with the message as stored', async () => {
    const { outcome, run, stored } = await reply([replyParts('Hel', 'lo ', 'world')]);
    expect(outcome.saved).toBe(true);
    expect(outcome.message).toMatchObject({
      id: run.messageId,
      status: 'complete',
      content: 'Hello world',
      error: null,
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    expect(stored).toEqual(outcome.message);

    const events = bus.events(room).map((entry) => entry.event);
    expect(events).toEqual(['message-start', 'text-delta', 'text-delta', 'message-end']);
    expect(deltas(run.messageId)).toEqual(['Hel', 'lo world']);
    expect(sequenced(run.messageId).map((entry) => entry.payload['seq'])).toEqual([1, 2]);
    expect(bus.events(room, 'message-end')[0]!.payload['message']).toEqual(outcome.message);
    expect(bus.events(room, 'message-start')[0]!.payload).toMatchObject({
      id: run.messageId,
      author: { kind: 'agent', id: 'sage', name: 'Sage' },
      replyTo: run.triggerMessageId,
    });
    expect(statuses).toEqual(['thinking', 'streaming', 'idle']);
    expect(live.size).toBe(0); // live while streaming, gone once ended
  });
});

describe('runReply: citations', () => {
  it("streams a model's own source parts as source events, after the text they back, and stores them", async () => {
    const source = {
      type: 'source' as const,
      title: 'Fold 3',
      url: '/bikes#fold',
      path: 'bikes/fold-3.md',
      quote: 'It folds in ten seconds.',
    };
    const { outcome, run, stored } = await reply([
      [{ type: 'text-delta', delta: 'It folds in ten seconds.' }, source, finish()],
    ]);
    expect(bus.events(room).map((entry) => entry.event)).toEqual([
      'message-start',
      'text-delta',
      'source',
      'message-end',
    ]);
    const { type: _type, ...body } = source;
    expect(bus.events(room, 'source')[0]!.payload).toEqual({ id: run.messageId, seq: 2, ...body });
    expect(outcome.message.parts).toEqual([source]);
    expect(stored?.parts).toEqual([source]);
  });
});

describe('runReply: retries and failures', () => {
  it('retries a retryable failure before the first token, and the reply completes', async () => {
    const { outcome, model } = await reply([
      [failure(429)],
      [failure(undefined, 'connection reset')],
      replyParts('Second try.'),
    ]);
    expect(outcome.message).toMatchObject({ status: 'complete', content: 'Second try.' });
    expect(model.requests).toHaveLength(3);
  });

  it('ends as error after the last attempt, or at once for a failure that will not change', async () => {
    const exhausted = await reply([
      [failure(503)],
      [failure(503)],
      [failure(503)],
      replyParts('never'),
    ]);
    expect(exhausted.outcome.message).toMatchObject({
      status: 'error',
      content: '',
      error: 'agent_unavailable',
    });
    expect(exhausted.outcome.errorDetail).toContain('provider failed with 503');
    expect(exhausted.model.requests).toHaveLength(3);

    const refused = await reply([[failure(401, 'bad key')], replyParts('never')]);
    expect(refused.outcome.message).toMatchObject({ status: 'error', error: 'agent_refused' });
    expect(refused.outcome.errorDetail).toContain('bad key');
    expect(refused.model.requests).toHaveLength(1);
    expect(
      log.entries.filter((entry) => entry.event === 'orchestrator.provider_failed'),
    ).toHaveLength(2);
  });

  it('never retries after the first token: the reply ends as error with the partial text kept', async () => {
    const { outcome, model, stored } = await reply([
      [
        { type: 'text-delta', delta: 'Half a ' },
        { type: 'text-delta', delta: 'sent' },
        failure(500, 'stream cut'),
      ],
      replyParts('never'),
    ]);
    expect(outcome.message).toMatchObject({
      status: 'error',
      content: 'Half a sent',
      error: 'agent_unavailable',
    });
    expect(outcome.errorDetail).toContain('stream cut');
    expect(stored).toEqual(outcome.message);
    expect(model.requests).toHaveLength(1);
  });
});

describe('runReply: tools', () => {
  it('runs a tool call, streams it as parts and sends the result to the next model call', async () => {
    const { outcome, model } = await reply(
      [
        [
          { type: 'tool-call', callId: 'call-1', name: 'calculator', args: { expression: '12*7' } },
          finish({ inputTokens: 20, outputTokens: 3 }, 'tool-calls'),
        ],
        replyParts('It is 84.'),
      ],
      { persona: scout },
    );
    expect(outcome.message).toMatchObject({
      status: 'complete',
      content: 'It is 84.',
      usage: { inputTokens: 30, outputTokens: 8 },
      parts: [
        { type: 'tool-call', callId: 'call-1', name: 'calculator', args: { expression: '12*7' } },
        {
          type: 'tool-result',
          callId: 'call-1',
          name: 'calculator',
          result: { expression: '12*7', value: 84 },
        },
      ],
    });
    expect(model.requests[0]!.tools.map((tool) => tool.name)).toEqual(['calculator']);
    expect(model.requests[1]!.turns.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ callId: 'call-1', name: 'calculator', args: { expression: '12*7' } }],
      },
      {
        role: 'tool',
        callId: 'call-1',
        name: 'calculator',
        content: JSON.stringify({ result: { expression: '12*7', value: 84 } }),
      },
    ]);
    expect(
      (await stores.audit.listEvents(room)).filter((event) => event.kind === 'tool.called'),
    ).toMatchObject([
      {
        actor: 'scout',
        data: { messageId: outcome.message.id, tool: 'calculator', failed: false },
      },
    ]);
  });

  it('answers a call of a tool the persona does not have with an error, not a run', async () => {
    const { outcome } = await reply([
      [
        { type: 'tool-call', callId: 'call-1', name: 'calculator', args: { expression: '1+1' } },
        finish(),
      ],
      replyParts('Sorry.'),
    ]);
    expect(outcome.message.parts).toContainEqual({
      type: 'tool-result',
      callId: 'call-1',
      name: 'calculator',
      error: 'Sage has no tool named calculator',
    });
  });

  it('offers no tools on the last step, so a model that keeps calling ends', async () => {
    const call: ScriptStep[] = [
      { type: 'tool-call', callId: 'c', name: 'calculator', args: { expression: '1' } },
      finish(),
    ];
    const { outcome, model } = await reply([call, call, replyParts('Done.')], {
      persona: scout,
      runOptions: { maxToolSteps: 2 },
    });
    expect(model.requests.map((request) => request.tools.length)).toEqual([1, 1, 0]);
    expect(outcome.message).toMatchObject({ status: 'complete', content: 'Done.' });
  });

  it('ends as error when the room budget cannot fit the call after the tool results', async () => {
    const { outcome, model, reserved } = await reply(
      [
        [
          { type: 'tool-call', callId: 'call-1', name: 'calculator', args: { expression: '2+2' } },
          finish(),
        ],
        replyParts('never'),
      ],
      { persona: scout, reserve: async () => 'exhausted' },
    );
    expect(outcome.message).toMatchObject({ status: 'error', error: BUDGET_ERROR });
    expect(outcome.message.parts.map((part) => part.type)).toEqual(['tool-call', 'tool-result']);
    expect(model.requests).toHaveLength(1);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toBeGreaterThan(100); // the estimate of the call plus its output limit
  });
});

describe('runReply: stop', () => {
  it('a stopped reply ends cancelled with its partial text and who stopped it', async () => {
    const controller = new AbortController();
    const held = gate();
    const replying = reply(
      [
        [
          { type: 'text-delta', delta: 'Partial' },
          { type: 'gate', gate: held },
          ...replyParts(' never sent'),
        ],
      ],
      { controller },
    );
    await held.reached;
    controller.abort(new ReplyStopped({ id: 'guest:ada', name: 'Ada' }));
    const { outcome, stored } = await replying;
    expect(outcome.message).toMatchObject({
      status: 'cancelled',
      content: 'Partial',
      error: null,
      stoppedBy: { id: 'guest:ada', name: 'Ada' },
    });
    expect(stored).toEqual(outcome.message);
    expect((bus.events(room, 'message-end')[0]!.payload['message'] as Message).status).toBe(
      'cancelled',
    );
  });

  it('a reply stopped by a shutdown ends interrupted', async () => {
    const controller = new AbortController();
    const held = gate();
    const replying = reply(
      [
        [
          { type: 'text-delta', delta: 'Partial' },
          { type: 'gate', gate: held },
        ],
      ],
      { controller },
    );
    await held.reached;
    controller.abort(SHUTDOWN);
    const { outcome } = await replying;
    expect(outcome.message).toMatchObject({ status: 'interrupted', content: 'Partial' });
    expect(outcome.message.stoppedBy).toBeUndefined();
  });
});
