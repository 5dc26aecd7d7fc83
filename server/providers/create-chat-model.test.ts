import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../test/fakes/fake-anthropic.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/fakes/fake-openai.ts';
import {
  chatRequest,
  collectParts,
  streamError,
  streamedText,
} from '../../test/providers/stream-helpers.ts';
import {
  createChatModel,
  ProviderConfigError,
  type ProviderSettings,
} from './create-chat-model.ts';
import { OfflineChatModel } from './offline/offline-chat-model.ts';
import { HttpChatModel } from './http-agent/http-chat-model.ts';
import { startKeyGate } from '../../test/fakes/key-gate.ts';

let openAI: FakeOpenAI;
let anthropic: FakeAnthropic;
beforeEach(async () => {
  [openAI, anthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
});
afterEach(async () => {
  await Promise.all([openAI.close(), anthropic.close()]);
});

describe('createChatModel', () => {
  it('builds each adapter from a spec and the environment settings', async () => {
    const settings: ProviderSettings = {
      openai: { apiKey: 'sk-from-env', baseURL: openAI.url },
      anthropic: { apiKey: 'sk-ant-from-env', baseURL: anthropic.url },
    };

    const openAIModel = createChatModel({ provider: 'openai' }, settings);
    const anthropicModel = createChatModel({ provider: 'anthropic' }, settings);

    expect(openAIModel.provider).toBe('openai');
    expect(anthropicModel.provider).toBe('anthropic');
    expect(createChatModel({ provider: 'offline' }, settings)).toBeInstanceOf(OfflineChatModel);
    expect(streamedText(await collectParts(openAIModel, chatRequest()))).toBe(
      'Hello from the fake model.',
    );
    expect(streamedText(await collectParts(anthropicModel, chatRequest()))).toBe(
      'Hello from the fake model.',
    );
    expect(anthropic.requests[0]?.headers).not.toHaveProperty('x-api-key');
    expect(anthropic.requests[0]?.hasAuthorization).toBe(true);
  });

  it('lets a persona point at its own OpenAI-compatible server, which needs no key', async () => {
    const model = createChatModel({ provider: 'openai', baseURL: openAI.url }, {});

    expect(streamedText(await collectParts(model, chatRequest()))).toBe(
      'Hello from the fake model.',
    );
  });

  it('passes the thinking budget to the Anthropic adapter', async () => {
    const model = createChatModel(
      { provider: 'anthropic', thinkingBudgetTokens: 1024 },
      { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
    );

    await collectParts(model, chatRequest());

    expect(anthropic.requests[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
  });

  it('refuses a provider without a key, saying which variable to set', () => {
    expect(() => createChatModel({ provider: 'openai' }, {})).toThrow(ProviderConfigError);
    expect(() => createChatModel({ provider: 'openai' }, {})).toThrow(/OPENAI_API_KEY/);
    expect(() => createChatModel({ provider: 'anthropic' }, { openai: { apiKey: 'k' } })).toThrow(
      /ANTHROPIC_API_KEY/,
    );
  });

  it('gives a persona the key its apiKeyEnv names, and never OPENAI_API_KEY with its own baseUrl', async () => {
    const gate = await startKeyGate('gsk-named', openAI.url);
    try {
      const settings: ProviderSettings = {
        openai: { apiKey: 'sk-global' },
        apiKeys: { GROQ_API_KEY: 'gsk-named', OPENAI_API_KEY: 'sk-global' },
      };
      const named = createChatModel(
        { provider: 'openai', baseURL: gate.url, apiKeyEnv: 'GROQ_API_KEY' },
        settings,
      );
      const unnamed = createChatModel({ provider: 'openai', baseURL: gate.url }, settings);

      expect(streamedText(await collectParts(named, chatRequest()))).toBe(
        'Hello from the fake model.',
      );
      expect(streamError(await collectParts(unnamed, chatRequest())).statusCode).toBe(401);
      expect(gate.refused).toBe(1);
    } finally {
      await gate.close();
    }
  });

  it('builds an HTTP agent, and refuses an apiKeyEnv that is not set without showing any key', () => {
    expect(
      createChatModel({ provider: 'http', url: 'https://agents.example.com/chorus' }, {}),
    ).toBeInstanceOf(HttpChatModel);
    const unset = () =>
      createChatModel(
        { provider: 'http', url: 'https://agents.example.com/chorus', apiKeyEnv: 'AGENT_API_KEY' },
        { apiKeys: { OTHER_API_KEY: 'sk-other' } },
      );
    expect(unset).toThrow(ProviderConfigError);
    expect(unset).toThrow(
      'A persona names AGENT_API_KEY as its API key variable, but it is not set.',
    );
  });
});
