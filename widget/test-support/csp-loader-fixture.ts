/**
 * The page inside the CSP test's iframe, for the loader (`chorus.js`): records CSP violations,
 * shows the stand-in launcher of a launcher mount, records its colour, clicks it and waits until
 * the widget script it loads (the hand-over fixture) has taken the queue.
 */
import { createLoaderGlobal } from '../loader/create-loader-global.ts';
import { EN } from '../i18n/en.ts';

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) =>
  violations.push(`${event.effectiveDirective}: ${event.blockedURI || event.sample}`),
);
const page = window as unknown as {
  cspViolations: string[];
  cspReady: boolean;
  launcherBackground: string;
  chorusHandOver?: unknown;
};
page.cspViolations = violations;

const nonce = document.body.dataset['nonce'];
const chorus = createLoaderGlobal({
  server: location.origin,
  widgetUrl: new URL('./hand-over-widget.ts', import.meta.url).href,
  strings: EN,
  ...(nonce ? { nonce } : {}),
});
window.Chorus = chorus;
chorus.push(['mount', { room: 'support', ...(nonce ? { nonce } : {}) }]);

const button = async (): Promise<HTMLButtonElement> => {
  for (;;) {
    const found = document
      .querySelector('chorus-chat')
      ?.shadowRoot?.querySelector<HTMLButtonElement>('[part~="launcher"]');
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
};
const launcher = await button();
page.launcherBackground = getComputedStyle(launcher).backgroundColor;
launcher.click();
while (!page.chorusHandOver) await new Promise((resolve) => setTimeout(resolve, 16));
await new Promise((resolve) => setTimeout(resolve, 100));
page.cspReady = true;
