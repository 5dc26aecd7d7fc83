import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../test/fakes/fake-anthropic.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/fakes/fake-openai.ts';
import { chatRequest, collectParts, streamedText } from '../../test/providers/stream-helpers.ts';
import { AnthropicChatModel } from './anthropic/anthropic-chat-model.ts';
import {
  createChatModel,
  ProviderConfigError,
  type ProviderSettings,
} from './create-chat-model.ts';
import { OfflineChatModel } from './offline/offline-chat-model.ts';
import { OpenAIChatModel } from './openai/openai-chat-model.ts';

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

    expect(openAIModel).toBeInstanceOf(OpenAIChatModel);
    expect(anthropicModel).toBeInstanceOf(AnthropicChatModel);
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
});
