import type { ApiErrorBody } from '../../protocol/room.ts';
import { ChorusError, WIDGET_ERROR_CODE } from './chorus-error.ts';

/**
 * One JSON call to the Chorus API (docs/architecture.md §3), for the widget and the inbox: every
 * failure is a {@link ChorusError} with the server's `{error: {code, message}}` and the HTTP
 * status, or `network` / `bad_response`.
 * @example const page = await requestJson<MessagePage>(fetch, `${base}/api/rooms/lobby/messages`, { method: 'GET', bearer: token });
 */
export async function requestJson<T>(
  fetchImpl: typeof fetch,
  url: string,
  options: { method: string; body?: unknown; bearer?: string | undefined },
): Promise<T> {
  const { method, body, bearer } = options;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bearer) headers['authorization'] = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ChorusError(
      WIDGET_ERROR_CODE.NETWORK,
      `Could not reach the chat server (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch (error) {
    if (response.ok)
      throw new ChorusError(
        WIDGET_ERROR_CODE.BAD_RESPONSE,
        `The chat server sent something that is not JSON (${response.status})`,
        { status: response.status, cause: error },
      );
  }
  if (!response.ok) {
    const apiError = (parsed as Partial<ApiErrorBody> | undefined)?.error;
    throw new ChorusError(
      apiError?.code ?? `http_${response.status}`,
      apiError?.message ?? `The chat server answered ${response.status}`,
      { status: response.status },
    );
  }
  return parsed as T;
}
