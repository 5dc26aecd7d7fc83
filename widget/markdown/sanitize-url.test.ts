import { describe, expect, it } from 'vitest';
import { decodeEscapesAndEntities } from './decode-text.ts';
import { isAllowedImage, sanitizePageUrl, sanitizeUrl, type SafeUrl } from './sanitize-url.ts';

describe('sanitizeUrl', () => {
  it.each([
    ['https://example.com', 'https://example.com/', 'example.com'],
    ['http://example.com/a?b=1#c', 'http://example.com/a?b=1#c', 'example.com'],
    ['HTTPS://EXAMPLE.COM/Path', 'https://example.com/Path', 'example.com'],
    ['https://example.com:8443/x', 'https://example.com:8443/x', 'example.com:8443'],
    ['https://example.com:443/x', 'https://example.com/x', 'example.com'],
    ['https://sub.example.co.uk/a_(b)', 'https://sub.example.co.uk/a_(b)', 'sub.example.co.uk'],
    ['https://example.com/a"b<c>', 'https://example.com/a%22b%3Cc%3E', 'example.com'],
    ['https://xn--pple-43d.com/', 'https://xn--pple-43d.com/', 'xn--pple-43d.com'],
    ['https://\u0430pple.com/', 'https://xn--pple-43d.com/', 'xn--pple-43d.com'],
    ['https://例え.jp/', 'https://xn--r8jz45g.jp/', 'xn--r8jz45g.jp'],
    ['https://127.0.0.1:8080/', 'https://127.0.0.1:8080/', '127.0.0.1:8080'],
    ['https://[::1]/', 'https://[::1]/', '[::1]'],
    ['https:example.com', 'https://example.com/', 'example.com'],
    ['https:\\\\example.com\\a', 'https://example.com/a', 'example.com'],
    ['https:///path-only', 'https://path-only/', 'path-only'],
    ['mailto:ada@example.com', 'mailto:ada@example.com', 'ada@example.com'],
    ['MAILTO:ada@example.com?subject=Hi', 'mailto:ada@example.com?subject=Hi', 'ada@example.com'],
  ])('allows %j', (raw, href, target) => {
    expect(sanitizeUrl(raw)).toEqual({
      href,
      protocol: href.slice(0, href.indexOf(':') + 1),
      target,
    });
  });

  it.each([
    // Script-running and local schemes.
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'JaVaScRiPt:alert(1)',
    'javascript://example.com/%0Aalert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'data:image/svg+xml,<svg onload=alert(1)>',
    'file:///etc/passwd',
    'blob:https://example.com/uuid',
    'ftp://example.com/file',
    'ws://example.com/socket',
    'chrome://settings',
    'about:blank',
    'intent://x#Intent;end',
    'tel:+123',
    // Whitespace and control-character tricks the URL parser would strip.
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java\rscript:alert(1)',
    ' javascript:alert(1)',
    '\u0000javascript:alert(1)',
    '\u0001javascript:alert(1)',
    'javascript\u0000:alert(1)',
    '\u00a0https://example.com',
    'https://exa mple.com',
    'https://example.com/\u0085',
    // Invisible and bidi characters that disguise a target.
    'https://evil.example\u202e/gpj.exe',
    'https://evil\u200b.example/',
    'https://example.com\u2066/',
    '\ufeffhttps://example.com',
    'https://exa\u00admple.com',
    // Encodings that hide the scheme.
    'jav&#x61;script:alert(1)',
    'javascript&colon;alert(1)',
    'java%73cript:alert(1)',
    '%6Aavascript:alert(1)',
    // Relative, protocol-relative and schemeless.
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '/relative/path',
    '#fragment',
    '?query',
    'example.com',
    'www.example.com',
    '',
    // Credentials and broken URLs.
    'https://good.example@evil.example/',
    'https://user:pass@example.com/',
    'https://',
    'http://',
    'https://exa%mple.com',
    'mailto:',
    'mailto:not-an-address',
    'mailto:a@b@c',
    'mailto:%E2%80%AEada@example.com',
    `https://example.com/${'a'.repeat(5_000)}`,
  ])('refuses %j', (raw) => {
    expect(sanitizeUrl(raw)).toBeNull();
  });

  it('refuses what the decoded Markdown destination really says', () => {
    expect(sanitizeUrl(decodeEscapesAndEntities('jav&#x61;script:alert(1)'))).toBeNull();
    expect(sanitizeUrl(decodeEscapesAndEntities('java&#x09;script:alert(1)'))).toBeNull();
    expect(sanitizeUrl(decodeEscapesAndEntities('&#x68;ttps://example.com/'))?.href).toBe(
      'https://example.com/',
    );
  });
});

describe('sanitizePageUrl', () => {
  const page = 'https://shop.example/help/faq.html?x=1';

  it("resolves a site's relative page against the host page, and keeps absolute ones", () => {
    expect(sanitizePageUrl('/demo/company.html#bikes', page)?.href).toBe(
      'https://shop.example/demo/company.html#bikes',
    );
    expect(sanitizePageUrl('returns.html', page)?.href).toBe(
      'https://shop.example/help/returns.html',
    );
    expect(sanitizePageUrl('https://docs.example/a', page)?.target).toBe('docs.example');
  });

  it('refuses what sanitizeUrl refuses, also when written relative', () => {
    for (const raw of [
      'javascript:alert(1)',
      'java\tscript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<b>x</b>',
      '//user:pass@evil.example/',
      'https://bank.example@evil.example/',
    ])
      expect(sanitizePageUrl(raw, page), raw).toBeNull();
  });
});

describe('isAllowedImage', () => {
  const url = (raw: string): SafeUrl => {
    const safe = sanitizeUrl(raw);
    if (!safe) throw new Error(`${raw} was refused`);
    return safe;
  };
  const hosts = ['images.example.com', 'CDN.Example.org', 'pics.example.net:8443'];

  it.each([
    ['https://images.example.com/a.png', true],
    ['https://IMAGES.example.com/a.png?size=2', true],
    ['https://cdn.example.org/a.png', true],
    ['https://pics.example.net:8443/a.png', true],
    ['http://images.example.com/a.png', false],
    ['https://images.example.com:8443/a.png', false],
    ['https://pics.example.net/a.png', false],
    ['https://evil.images.example.com/a.png', false],
    ['https://images.example.com.evil.example/a.png', false],
    ['https://evil.example/images.example.com/a.png', false],
    ['https://evil.example/a.png?host=images.example.com', false],
    ['mailto:images@images.example.com', false],
  ])('%s → %s', (raw, allowed) => {
    expect(isAllowedImage(url(raw), hosts)).toBe(allowed);
  });

  it('allows nothing by default', () => {
    expect(isAllowedImage(url('https://images.example.com/a.png'), [])).toBe(false);
  });
});
