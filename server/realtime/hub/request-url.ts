/** The request target as a URL, or null when it is not one (`//`, garbage): never throws. */
export function parseRequestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}
