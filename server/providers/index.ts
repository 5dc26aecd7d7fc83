/**
 * The providers' public surface: the seam types, the error, the four adapters and the factory.
 * Everything outside `server/providers/` imports from here.
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
export { OpenAIChatModel, type OpenAIChatModelOptions } from './openai/openai-chat-model.ts';
export {
  AnthropicChatModel,
  type AnthropicChatModelOptions,
} from './anthropic/anthropic-chat-model.ts';
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
