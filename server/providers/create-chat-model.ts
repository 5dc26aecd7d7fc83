/**
 * Builds the {@link ChatModel} for a persona from its front matter (`provider`, optional overrides)
 * and the settings read from the environment. The composition root (`server/main.ts`) calls it
 * once per persona; the orchestrator only ever sees the `ChatModel` interface.
 */
import { AppError } from '../lib/app-error.ts';
import { AnthropicChatModel } from './anthropic/anthropic-chat-model.ts';
import type { ChatModel } from './chat-model.ts';
import { OfflineChatModel } from './offline/offline-chat-model.ts';
import { OpenAIChatModel } from './openai/openai-chat-model.ts';

export const PROVIDERS = ['openai', 'anthropic', 'offline'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** What a persona says about its model (the model name itself travels in each request). */
export type ChatModelSpec =
  | { provider: 'openai'; baseURL?: string; apiKey?: string }
  | { provider: 'anthropic'; baseURL?: string; apiKey?: string; thinkingBudgetTokens?: number }
  | { provider: 'offline'; tokensPerSecond?: number };

/** Provider settings from the environment; every field is optional. */
export interface ProviderSettings {
  openai?: { apiKey?: string; baseURL?: string };
  anthropic?: { apiKey?: string; baseURL?: string };
  offline?: { tokensPerSecond?: number };
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
 * const settings = readProviderSettings(process.env).settings;
 * const model = createChatModel({ provider: 'offline' }, settings);
 */
export function createChatModel(spec: ChatModelSpec, settings: ProviderSettings = {}): ChatModel {
  const timeout = settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs };
  switch (spec.provider) {
    case 'openai': {
      const baseURL = spec.baseURL ?? settings.openai?.baseURL;
      const apiKey = spec.apiKey ?? settings.openai?.apiKey ?? (baseURL ? PLACEHOLDER_API_KEY : undefined);
      if (!apiKey) {
        throw new ProviderConfigError(
          'A persona uses provider "openai" but OPENAI_API_KEY is not set. Set it, point OPENAI_BASE_URL at an OpenAI-compatible server, or use provider "offline".',
        );
      }
      return new OpenAIChatModel({ apiKey, ...(baseURL ? { baseURL } : {}), ...timeout });
    }
    case 'anthropic': {
      const baseURL = spec.baseURL ?? settings.anthropic?.baseURL;
      const apiKey = spec.apiKey ?? settings.anthropic?.apiKey;
      if (!apiKey) {
        throw new ProviderConfigError(
          'A persona uses provider "anthropic" but ANTHROPIC_API_KEY is not set. Set it, or use provider "offline".',
        );
      }
      const thinking = spec.thinkingBudgetTokens === undefined ? {} : { thinkingBudgetTokens: spec.thinkingBudgetTokens };
      return new AnthropicChatModel({ apiKey, ...(baseURL ? { baseURL } : {}), ...timeout, ...thinking });
    }
    case 'offline': {
      const tokensPerSecond = spec.tokensPerSecond ?? settings.offline?.tokensPerSecond;
      return new OfflineChatModel(tokensPerSecond === undefined ? {} : { tokensPerSecond });
    }
  }
}

/**
 * Provider settings from environment variables, with a list of problems (empty when all is well)
 * for `config.ts` to report with the rest:
 * `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`,
 * `CHORUS_OFFLINE_TOKENS_PER_SECOND`, `CHORUS_PROVIDER_TIMEOUT_MS`.
 * @example
 * const { settings, problems } = readProviderSettings(process.env);
 */
export function readProviderSettings(env: Record<string, string | undefined>): { settings: ProviderSettings; problems: string[] } {
  const problems: string[] = [];
  const text = (name: string): string | undefined => env[name]?.trim() || undefined;
  const url = (name: string): string | undefined => {
    const value = text(name);
    if (value !== undefined && !/^https?:$/.test(URL.canParse(value) ? new URL(value).protocol : '')) {
      problems.push(`${name} must be an http(s) URL such as http://localhost:11434/v1, got "${value}"`);
    }
    return value;
  };
  const positive = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (Number.isFinite(number) && number > 0) return number;
    problems.push(`${name} must be a positive number, got "${value}"`);
    return undefined;
  };

  const settings: ProviderSettings = {
    openai: { apiKey: text('OPENAI_API_KEY'), baseURL: url('OPENAI_BASE_URL') },
    anthropic: { apiKey: text('ANTHROPIC_API_KEY'), baseURL: url('ANTHROPIC_BASE_URL') },
    offline: { tokensPerSecond: positive('CHORUS_OFFLINE_TOKENS_PER_SECOND') },
    timeoutMs: positive('CHORUS_PROVIDER_TIMEOUT_MS'),
  };
  return { settings, problems };
}
