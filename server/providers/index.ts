/**
 * The providers' public surface: the seam types, the error, the factory and the adapters that
 * need no SDK. Everything outside `server/providers/` imports from here, except the OpenAI and
 * Anthropic adapters, imported from their own modules (`openai/openai-chat-model.ts`,
 * `anthropic/anthropic-chat-model.ts`) by the code that needs them: importing this module must not
 * load their SDKs (the factory loads them when a persona first uses one).
 * @example
 * import { createChatModel, type ChatModel } from './providers/index.ts';
 */
export type {
  ChatModel,
  ChatRequest,
  ChatRequestContext,
  ChatStreamPart,
  ChatToolCall,
  ChatToolSpec,
  ChatTurn,
  FinishReason,
  ProviderMetadata,
} from './chat-model.ts';
export { isRetryableStatus, ProviderError } from './provider-error.ts';
export { parseRetryAfter } from './retry-after.ts';
export {
  createChatModel,
  PLACEHOLDER_API_KEY,
  ProviderConfigError,
  PROVIDERS,
  type ChatModelSpec,
  type ProviderName,
  type ProviderSettings,
} from './create-chat-model.ts';
export {
  buildBody as buildHttpAgentBody,
  HttpChatModel,
  type HttpAgentRequestBody,
  type HttpChatModelOptions,
} from './http-agent/http-chat-model.ts';
export {
  DEFAULT_TOKENS_PER_SECOND,
  OfflineChatModel,
  type Delay,
  type OfflineChatModelOptions,
} from './offline/offline-chat-model.ts';
