/**
 * The promises every network {@link ChatModel} adapter makes the orchestrator, written once and
 * run against each adapter through its official SDK and the vendor's fake server (test/fakes/):
 * streaming and usage, call settings, vendor errors and whether they are worth a retry, cut and
 * truncated streams, aborts, timeouts and unreachable servers. Each adapter's own test file calls
 * {@link describeChatModelContract} and adds only what is the vendor's (message shapes, the
 * tool-call wire format, reasoning).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeProviderServer, FakeScript } from '../../test/fakes/fake-provider-server.ts';

/** What the contract uses of a fake: the vendor fakes, and the fake HTTP agent (test/fakes/fake-ui-agent.ts). */
export interface ContractFake extends Pick<
  FakeProviderServer,
  'url' | 'requests' | 'aborted' | 'whenAborted' | 'close'
> {
  enqueue(...scripts: FakeScript[]): unknown;
}
import { waitFor } from '../../test/helpers/wait-for.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedText,
  unusedLocalUrl,
} from '../../test/providers/stream-helpers.ts';
import type { ChatModel, ChatStreamPart } from './chat-model.ts';
import { ProviderError } from './provider-error.ts';

/** One adapter, with what its vendor does differently. */
export interface ChatModelContractSubject {
  /** The adapter's `provider`, which every error it reports carries. */
  provider: string;
  startFake(): Promise<ContractFake>;
  /** The adapter under test, its SDK pointed at `baseURL`. */
  createModel(options: { apiKey: string; baseURL: string; timeout?: number }): ChatModel;
  /** The `baseURL` for a server at `origin` (OpenAI's SDK wants the `/v1` in it). */
  baseUrlFor(origin: string): string;
  /** Where the vendor's API takes the request, e.g. `/v1/messages`. */
  requestPath: string;
  /** What the body of a plain request carries besides `model` and `stream: true`. */
  plainRequestBody: Record<string, unknown>;
  /** A request's temperature and output limit as the vendor's body carries them (some vendors take no temperature). */
  callSettingsBody(settings: {
    temperature: number;
    maxOutputTokens: number;
  }): Record<string, unknown>;
  /** The vendor's `type` for a mid-stream error worth retrying (`server_error`, `overloaded_error`). */
  retryableStreamErrorType: string;
  /**
   * Mid-stream error types and whether each is retried; by default the retryable type and
   * `invalid_request_error` (not retried). The UI message stream's `error` chunk has no type.
   */
  streamErrorCases?: readonly (readonly [type: string, isRetryable: boolean])[];
  /** What the body of a request without tools carries for them; by default no `tools` at all. */
  noToolsBody?: Record<string, unknown>;
}

const SECRET_KEY = 'sk-contract-test-secret';

/**
 * Defines the contract's tests for `subject`, each against a fresh fake.
 * @example
 * describeChatModelContract({ provider: 'openai', startFake: startFakeOpenAI, createModel: (options) => new OpenAIChatModel(options), … });
 */
export function describeChatModelContract(subject: ChatModelContractSubject): void {
  describe(`the ChatModel contract (${subject.provider})`, () => {
    let fake: ContractFake;
    let model: ChatModel;

    beforeEach(async () => {
      fake = await subject.startFake();
      model = subject.createModel({ apiKey: SECRET_KEY, baseURL: fake.url });
    });
    afterEach(async () => {
      await fake.close();
    });

    it('streams text deltas in order, then finishes with the usage', async () => {
      fake.enqueue({
        text: 'Hello there',
        chunkSize: 3,
        usage: { inputTokens: 12, outputTokens: 3 },
      });

      const parts = await collectParts(model, chatRequest({ model: 'contract-model' }));

      expect(parts).toEqual([
        { type: 'text-delta', delta: 'Hel' },
        { type: 'text-delta', delta: 'lo ' },
        { type: 'text-delta', delta: 'the' },
        { type: 'text-delta', delta: 're' },
        { type: 'finish', reason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } },
      ]);
      const [request] = fake.requests;
      expect(request?.path).toBe(subject.requestPath);
      expect(request?.body).toMatchObject({
        model: 'contract-model',
        stream: true,
        ...subject.plainRequestBody,
      });
      expect(request?.hasAuthorization).toBe(true);
      expect(JSON.stringify(request)).not.toContain(SECRET_KEY);
    });

    it('sends the temperature and the output limit as the vendor takes them, and the reply comes', async () => {
      fake.enqueue({ text: 'Measured words.' });

      const parts = await collectParts(
        model,
        chatRequest({ temperature: 0.4, maxOutputTokens: 300 }),
      );

      expect(streamedText(parts)).toBe('Measured words.');
      expect(fake.requests[0]?.body).toMatchObject(
        subject.callSettingsBody({ temperature: 0.4, maxOutputTokens: 300 }),
      );
    });

    it('leaves the temperature to the provider, and offers no tools, when the request has neither', async () => {
      await collectParts(model, chatRequest());

      expect(fake.requests[0]?.body).not.toHaveProperty('temperature');
      if (subject.noToolsBody) expect(fake.requests[0]?.body).toMatchObject(subject.noToolsBody);
      else expect(fake.requests[0]?.body).not.toHaveProperty('tools');
    });

    it('turns a 429 into a retryable error that says how long to wait', async () => {
      fake.enqueue({ status: 429, retryAfter: 2, message: 'Slow down (contract).' });

      const error = streamError(await collectParts(model, chatRequest()));

      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        provider: subject.provider,
        statusCode: 429,
        isRetryable: true,
        retryAfterMs: 2000,
      });
      expect(error.message).toContain('Slow down (contract).');
    });

    it('prefers retry-after-ms when the server sends it', async () => {
      fake.enqueue({ status: 429, retryAfter: 1, retryAfterMs: 250 });

      expect(streamError(await collectParts(model, chatRequest())).retryAfterMs).toBe(250);
    });

    it.each([500, 503])('turns a %i into a retryable error', async (status) => {
      fake.enqueue({ status });

      expect(streamError(await collectParts(model, chatRequest()))).toMatchObject({
        statusCode: status,
        isRetryable: true,
      });
    });

    it.each([
      [400, 'The request was malformed (contract).'],
      [401, 'That API key is not valid (contract).'],
    ])(
      'turns a %i into an error that is not retried and carries the vendor message',
      async (status, message) => {
        fake.enqueue({ status, message });

        const error = streamError(await collectParts(model, chatRequest()));

        expect(error).toMatchObject({
          provider: subject.provider,
          statusCode: status,
          isRetryable: false,
        });
        expect(error.message).toContain(message);
      },
    );

    it('ends with a retryable error after the partial deltas when the connection is cut', async () => {
      fake.enqueue({ text: 'Hello there', chunkSize: 3, cutAfterChunks: 2 });

      const parts = await collectParts(model, chatRequest());

      expect(partTypes(parts)).toEqual(['text-delta', 'text-delta', 'error']);
      expect(streamedText(parts)).toBe('Hello ');
      expect(streamError(parts)).toMatchObject({ isRetryable: true, statusCode: undefined });
    });

    it("treats a stream that ends without the vendor's final event as cut short", async () => {
      fake.enqueue({ text: 'Hello there', chunkSize: 3, endAfterChunks: 1 });

      const parts = await collectParts(model, chatRequest());

      expect(partTypes(parts)).toEqual(['text-delta', 'error']);
      expect(streamError(parts).isRetryable).toBe(true);
    });

    it.each(
      subject.streamErrorCases ?? [
        [subject.retryableStreamErrorType, true],
        ['invalid_request_error', false],
      ],
    )('reads a mid-stream %s event (retryable: %s)', async (type, isRetryable) => {
      fake.enqueue({
        text: 'Hello there',
        chunkSize: 3,
        streamError: { afterChunks: 1, type, message: 'Something happened.' },
      });

      const parts = await collectParts(model, chatRequest());

      expect(partTypes(parts)).toEqual(['text-delta', 'error']);
      expect(streamError(parts)).toMatchObject({ provider: subject.provider, isRetryable });
      expect(streamError(parts).message).toContain('Something happened.');
    });

    it('ends quietly when aborted mid-stream, and the server sees the request go away', async () => {
      fake.enqueue({
        text: 'one two three four five six seven eight nine ten',
        chunkSize: 4,
        tokenDelayMs: 20,
      });
      const controller = new AbortController();
      const parts: ChatStreamPart[] = [];

      for await (const part of model.stream(chatRequest({ signal: controller.signal }))) {
        parts.push(part);
        if (parts.length === 2) controller.abort();
      }

      expect(partTypes(parts)).toEqual(['text-delta', 'text-delta']);
      await fake.whenAborted();
      expect(fake.aborted).toBe(1);
    });

    it('ends quietly when aborted before the response starts', async () => {
      fake.enqueue({ text: 'Too late.', firstByteDelayMs: 5000 });
      const controller = new AbortController();
      const parts = collectParts(model, chatRequest({ signal: controller.signal }));
      await waitFor(() => fake.requests.length === 1, { what: 'the request to reach the fake' });
      controller.abort();

      expect(await parts).toEqual([]);
      await fake.whenAborted();
    });

    it('sends nothing when the signal is already aborted', async () => {
      const parts = await collectParts(model, chatRequest({ signal: AbortSignal.abort() }));

      expect(parts).toEqual([]);
      expect(fake.requests).toEqual([]);
    });

    it('reports a server that does not start answering within the timeout as retryable', async () => {
      fake.enqueue({ text: 'Too late.', firstByteDelayMs: 1000 });
      const impatient = subject.createModel({ apiKey: 'unused', baseURL: fake.url, timeout: 50 });

      const error = streamError(await collectParts(impatient, chatRequest()));

      expect(error).toMatchObject({ provider: subject.provider, isRetryable: true });
      expect(error.message).toContain('did not answer in time');
    });

    it('reports an unreachable server as a retryable error that names it', async () => {
      const unreachable = subject.createModel({
        apiKey: 'unused',
        baseURL: subject.baseUrlFor(await unusedLocalUrl()),
      });

      const error = streamError(await collectParts(unreachable, chatRequest()));

      expect(error).toMatchObject({
        provider: subject.provider,
        isRetryable: true,
        statusCode: undefined,
      });
      expect(error.message).toMatch(/^Could not reach the .+ at 127\.0\.0\.1:\d+/);
    });
  });
}
