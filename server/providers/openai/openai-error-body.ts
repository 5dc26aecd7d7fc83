/**
 * The vendor's error body, read with a schema: OpenAI and most compatible servers send
 * `{ error: { message, type, code } }`, a few send `{ error: "text" }`. Apart from
 * `openai-error.ts` because the HTTP agent adapter reads these bodies too, and must not load the
 * OpenAI SDK to do it.
 */
import { z } from 'zod';

const errorDetailSchema = z.object({
  message: z.string(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});

/**
 * What `APIError.error` holds: the body's `error` member (an object or a bare string), or, for
 * errors that arrive as a stream event, sometimes the whole body.
 */
export const openAIErrorBodySchema = z.union([
  errorDetailSchema,
  z.object({ error: z.union([errorDetailSchema, z.string()]) }),
  z.string().min(1),
  z.object({ detail: z.string() }),
]);

/** The error's message, type and code as the vendor wrote them, when its body has them. */
export interface VendorErrorDetail {
  message: string;
  type?: string;
  code?: string;
}

/**
 * Reads the vendor's words out of an error body in any of the shapes OpenAI-compatible servers use.
 * @example
 * readOpenAIErrorBody({ message: 'Incorrect API key provided', type: 'invalid_request_error' });
 * // { message: 'Incorrect API key provided', type: 'invalid_request_error' }
 */
export function readOpenAIErrorBody(body: unknown): VendorErrorDetail | undefined {
  const parsed = openAIErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const value = parsed.data;
  if (typeof value === 'string') return { message: value };
  if ('detail' in value) return { message: value.detail };
  const detail = 'error' in value ? value.error : value;
  if (typeof detail === 'string') return { message: detail };
  return {
    message: detail.message,
    ...(detail.type ? { type: detail.type } : {}),
    ...(detail.code !== null && detail.code !== undefined ? { code: String(detail.code) } : {}),
  };
}
