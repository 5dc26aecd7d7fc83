/**
 * The page inside the CSP test's iframe: records CSP violations, then renders an inline chat
 * (Markdown, agent colours, the mention menu) from a stub connection.
 */
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) =>
  violations.push(`${event.effectiveDirective}: ${event.blockedURI || event.sample}`),
);
(window as unknown as { cspViolations: string[] }).cspViolations = violations;

await import('./process-shim.ts');
await import('../define.ts');
const { StubConnection } = await import('./stub-connection.ts');
const { agentMessage, humanMessage, SAGE } =
  await import('../../protocol/test-support/messages.ts');

const stub = StubConnection.open([
  humanMessage({ id: 'h1', content: 'Hello **world**, `code` and a [link](https://example.com)' }),
  {
    ...agentMessage({ id: 'r1', author: SAGE }),
    status: 'complete',
    content: '| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1;\n```',
  },
]);
const chat = document.createElement('chorus-chat');
chat.connection = stub;
chat.mode = 'inline';
const nonce = document.body.dataset['nonce'];
if (nonce) chat.setAttribute('nonce', nonce);
document.body.append(chat);
await chat.updateComplete;
await new Promise((resolve) => setTimeout(resolve, 100));
(window as unknown as { cspReady: boolean }).cspReady = true;
