/**
 * Builds the {@link ChatModel} for a persona from its front matter (`provider`, optional overrides)
 * and the settings read from the environment. The composition root (`server/main.ts`) calls it
 * once per persona; the orchestrator only ever sees the `ChatModel` interface. The OpenAI and
 * Anthropic adapters are imported on a persona's first request: their SDKs are ~16 MB of a
 * server's memory, which a server with offline personas only never spends.
 */
import { AppError } from '../lib/app-error.ts';
import type { AnthropicChatModelOptions } from './anthropic/anthropic-chat-model.ts';
import type { ChatModel } from './chat-model.ts';
import { HttpChatModel } from './http-agent/http-chat-model.ts';
import { OfflineChatModel } from './offline/offline-chat-model.ts';
import type { OpenAIChatModelOptions } from './openai/openai-chat-model.ts';

export const PROVIDERS = ['openai', 'anthropic', 'http', 'offline'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * What a persona says about its model (the model name itself travels in each request).
 * `apiKeyEnv` names the variable whose value, from {@link ProviderSettings.apiKeys}, is the key.
 */
export type ChatModelSpec =
  | { provider: 'openai'; baseURL?: string; apiKey?: string; apiKeyEnv?: string }
  | { provider: 'http'; url: string; apiKey?: string; apiKeyEnv?: string }
  | { provider: 'anthropic'; baseURL?: string; apiKey?: string; thinkingBudgetTokens?: number }
  | { provider: 'offline'; tokensPerSecond?: number };

/** Provider settings, read from the environment by `server/config.ts`; every field is optional. */
export interface ProviderSettings {
  openai?: { apiKey?: string; baseURL?: string };
  anthropic?: { apiKey?: string; baseURL?: string };
  offline?: { tokensPerSecond?: number };
  /**
   * Every set `*_API_KEY` variable by name, for personas whose `apiKeyEnv` names one. Never
   * logged: a key reaches only the provider it is for.
   */
  apiKeys?: Readonly<Record<string, string>>;
  /** Milliseconds to wait for a provider to start answering. */
  timeoutMs?: number;
}

/**
 * A persona asks for a provider that is not set up (no key). Raised at start-up, never mid-run.
 * @example
 * try { createChatModel(spec, settings); } catch (error) { if (error instanceof ProviderConfigError) console.error(error.message); }
 */
export class ProviderConfigError extends AppError {
  constructor(message: string) {
    super({ name: 'ProviderConfigError', code: 'provider_not_configured', message, status: 500 });
  }
}

/**
 * Sent as the key to OpenAI-compatible local servers (Ollama, LM Studio, vLLM) that need none,
 * because the SDK refuses to start without one.
 */
export const PLACEHOLDER_API_KEY = 'no-key-needed';

/**
 * The model for one persona. Throws a {@link ProviderConfigError} when the provider has no key.
 * @example
 * const model = createChatModel({ provider: 'openai' }, config.providers);
 */
export function createChatModel(spec: ChatModelSpec, settings: ProviderSettings = {}): ChatModel {
  const timeout = settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs };
  switch (spec.provider) {
    case 'openai': {
      const namedKey = readNamedKey(spec, settings);
      if (spec.baseURL !== undefined) {
        // A persona's own server never gets OPENAI_API_KEY: that key is for OPENAI_BASE_URL or OpenAI.
        const apiKey = spec.apiKey ?? namedKey ?? PLACEHOLDER_API_KEY;
        return openAIModel({ apiKey, baseURL: spec.baseURL, ...timeout });
      }
      const baseURL = settings.openai?.baseURL;
      const apiKey =
        spec.apiKey ??
        namedKey ??
        settings.openai?.apiKey ??
        (baseURL ? PLACEHOLDER_API_KEY : undefined);
      if (!apiKey) {
        throw new ProviderConfigError(
          'A persona uses provider "openai" but OPENAI_API_KEY is not set. Set it, point OPENAI_BASE_URL at an OpenAI-compatible server, or use provider "offline".',
        );
      }
      return openAIModel({ apiKey, ...(baseURL ? { baseURL } : {}), ...timeout });
    }
    case 'anthropic': {
      const baseURL = spec.baseURL ?? settings.anthropic?.baseURL;
      const apiKey = spec.apiKey ?? settings.anthropic?.apiKey;
      if (!apiKey) {
        throw new ProviderConfigError(
          'A persona uses provider "anthropic" but ANTHROPIC_API_KEY is not set. Set it, or use provider "offline".',
        );
      }
      const thinking =
        spec.thinkingBudgetTokens === undefined
          ? {}
          : { thinkingBudgetTokens: spec.thinkingBudgetTokens };
      return anthropicModel({
        apiKey,
        ...(baseURL ? { baseURL } : {}),
        ...timeout,
        ...thinking,
      });
    }
    case 'http': {
      const apiKey = spec.apiKey ?? readNamedKey(spec, settings);
      return new HttpChatModel({
        url: spec.url,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...timeout,
      });
    }
    case 'offline': {
      const tokensPerSecond = spec.tokensPerSecond ?? settings.offline?.tokensPerSecond;
      return new OfflineChatModel(tokensPerSecond === undefined ? {} : { tokensPerSecond });
    }
  }
}

/**
 * A model whose adapter module is imported on its first request (an import that fails is a
 * broken install: it throws there, as a missing module does).
 */
function lazily(provider: string, load: () => Promise<ChatModel>): ChatModel {
  let model: Promise<ChatModel> | undefined;
  return {
    provider,
    async *stream(request) {
      model ??= load();
      yield* (await model).stream(request);
    },
  };
}

const openAIModel = (options: OpenAIChatModelOptions) =>
  lazily('openai', async () => {
    const { OpenAIChatModel } = await import('./openai/openai-chat-model.ts');
    return new OpenAIChatModel(options);
  });

const anthropicModel = (options: AnthropicChatModelOptions) =>
  lazily('anthropic', async () => {
    const { AnthropicChatModel } = await import('./anthropic/anthropic-chat-model.ts');
    return new AnthropicChatModel(options);
  });

/** The key `spec.apiKeyEnv` names; a {@link ProviderConfigError} when that variable is not set. */
function readNamedKey(
  spec: { apiKeyEnv?: string },
  settings: ProviderSettings,
): string | undefined {
  if (spec.apiKeyEnv === undefined) return undefined;
  const key = settings.apiKeys?.[spec.apiKeyEnv];
  if (key === undefined || key === '') {
    throw new ProviderConfigError(
      `A persona names ${spec.apiKeyEnv} as its API key variable, but it is not set.`,
    );
  }
  return key;
}
