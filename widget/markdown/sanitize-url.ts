/**
 * The one gate every link and image URL passes before it reaches an `href` or `src`
 * (docs/architecture.md §6: only http(s) and mailto links; no remote images unless allowlisted).
 *
 * It is an allowlist, not a blocklist: a URL is accepted only if it is written as an absolute
 * `http:`, `https:` or `mailto:` URL, contains no control, space, invisible or bidi characters
 * (the tricks that make `java\tscript:` or a spoofed host look harmless), parses with the
 * WHATWG `URL` parser to one of those protocols, and carries no user name or password
 * (`https://bank.example@evil.example/`). Relative and protocol-relative URLs are refused: a
 * chat message has no meaningful base URL.
 */

/** A URL that may be used as an `href` (and, for allowlisted https hosts, as an image `src`). */
export interface SafeUrl {
  /** The URL as serialised by the URL parser: what goes into the attribute. */
  href: string;
  protocol: 'http:' | 'https:' | 'mailto:';
  /** `host[:port]` (IDNs in punycode, so look-alike letters show) or, for mailto, the address. */
  target: string;
}

const MAX_URL_LENGTH = 4_096;
const ALLOWED_SCHEME = /^(?:https?|mailto):/i;
/**
 * Unicode's "other" (controls, format characters such as zero-width and bidi controls, soft
 * hyphen, BOM; surrogates, private use, unassigned) and separators (every space, line and
 * paragraph separator).
 */
const FORBIDDEN_CHARACTERS = /[\p{C}\p{Z}]/u;

/**
 * Returns the URL if it may be linked to, else null.
 *
 * @example
 * sanitizeUrl('https://example.com/a?b=1')?.href; // 'https://example.com/a?b=1'
 * sanitizeUrl('javascript:alert(1)'); // null
 */
export function sanitizeUrl(raw: string): SafeUrl | null {
  if (raw.length > MAX_URL_LENGTH || FORBIDDEN_CHARACTERS.test(raw) || !ALLOWED_SCHEME.test(raw))
    return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const { protocol } = url;
  if (protocol === 'mailto:') {
    const address = safeDecode(url.pathname);
    const valid = /^[^@]+@[^@]+$/.test(address) && !FORBIDDEN_CHARACTERS.test(address);
    return valid ? { href: url.href, protocol, target: address } : null;
  }
  if (protocol !== 'http:' && protocol !== 'https:') return null;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return { href: url.href, protocol, target: url.host };
}

/**
 * A URL of the site the widget is embedded in (a cited knowledge page, docs/architecture.md §12):
 * a relative one is resolved against `base` (the host page), then it passes {@link sanitizeUrl}.
 * Unlike a chat message's links, these come from the site's own documents, whose `url:` names the
 * site's pages (`/demo/company.html#bikes`): the host page, not the chat server, is their base.
 *
 * @example
 * sanitizePageUrl('/shop#bikes', 'https://shop.example/faq')?.href; // 'https://shop.example/shop#bikes'
 * sanitizePageUrl('javascript:alert(1)', 'https://shop.example/'); // null
 */
export function sanitizePageUrl(raw: string, base: string): SafeUrl | null {
  if (FORBIDDEN_CHARACTERS.test(raw)) return null;
  try {
    return sanitizeUrl(new URL(raw, base).href);
  } catch {
    return null;
  }
}

/**
 * Whether an image at `url` may be loaded: only over https, and only from a host listed
 * exactly (`images.example.com`; add `:port` for a port other than 443). No wildcards, no
 * subdomains: `cdn.images.example.com` needs its own entry.
 *
 * @example
 * isAllowedImage(sanitizeUrl('https://img.example/a.png')!, ['img.example']); // true
 */
export function isAllowedImage(url: SafeUrl, allowedHosts: readonly string[]): boolean {
  return (
    url.protocol === 'https:' &&
    allowedHosts.some((host) => host.trim().toLowerCase() === url.target)
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
