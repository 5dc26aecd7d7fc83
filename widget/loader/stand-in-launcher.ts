import { adoptStyles } from 'lit';
import { STAND_IN_KEY, type MountOptions } from '../embed/chorus-global.ts';
import type { LauncherStrings } from '../i18n/launcher-strings.ts';
import { isDark } from '../styles/dark-theme.ts';
import { CHAT_ICON_PATH } from '../styles/icon-paths.ts';
import { hostResetStyles, launcherStyles } from '../styles/launcher.styles.ts';
import { sharedStyles } from '../styles/shared.styles.ts';
import { tokenStyles } from '../styles/tokens.styles.ts';
import { standInStyles } from './stand-in.styles.ts';

/** What the loader does with the stand-in of one launcher mount. */
export interface StandInLauncher {
  /** The `<chorus-chat>` element (not yet defined) that the full widget takes over. */
  readonly element: HTMLElement;
  /** The widget is loading (the visitor asked for it): `aria-busy`, a pulsing icon. */
  busy(): void;
  /** The widget could not load: an alert with a retry, the button usable again. */
  failed(): void;
}

const SVG = 'http://www.w3.org/2000/svg';

/** The chat icon, built node by node (no markup strings). */
function chatIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', CHAT_ICON_PATH);
  svg.append(path);
  return svg;
}

/**
 * The launcher the loader shows before the widget is loaded: a `<chorus-chat>` element that is
 * not defined yet (so the page's `chorus-chat { --chorus-* }` rules style it), with the real
 * launcher's stylesheets (launcher.styles.ts) adopted into its shadow root: same size, colour,
 * position, name and keyboard (a `<button>`). No inline `style=`: it works under a CSP without
 * 'unsafe-inline'. Every node it draws carries {@link STAND_IN_KEY}, which the defined element
 * removes at its first render (chat.ts).
 * @example const standIn = createStandInLauncher(options, key, strings, () => chorus.push(['open']));
 */
export function createStandInLauncher(
  options: MountOptions,
  key: string,
  strings: LauncherStrings,
  onOpen: () => void,
): StandInLauncher {
  const element = document.createElement('chorus-chat');
  element.setAttribute(STAND_IN_KEY, key);
  element.setAttribute('mode', 'launcher');
  if (options.theme) element.setAttribute('theme', options.theme);
  if (options.nonce) element.setAttribute('nonce', options.nonce);
  const root = element.attachShadow({ mode: 'open' });
  // Without adoptedStyleSheets, adoptStyles writes <style> elements with Lit's nonce.
  const scope = globalThis as { litNonce?: string };
  if (options.nonce && scope.litNonce === undefined) scope.litNonce = options.nonce;
  adoptStyles(root, [hostResetStyles, tokenStyles, sharedStyles, launcherStyles, standInStyles]);
  for (const style of root.children) style.setAttribute(STAND_IN_KEY, '');

  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  button.part.add('launcher');
  button.setAttribute(STAND_IN_KEY, '');
  button.setAttribute('aria-label', strings.openChat);
  button.setAttribute('aria-expanded', 'false');
  button.append(chatIcon());
  button.addEventListener('click', onOpen);
  root.append(button);
  let alert: HTMLElement | undefined;

  if (isDark(options.theme ?? 'auto', element)) button.classList.add('dark');

  return {
    element,
    busy() {
      alert?.remove();
      alert = undefined;
      button.setAttribute('aria-busy', 'true');
      button.setAttribute('aria-label', strings.loadingChat);
    },
    failed() {
      button.removeAttribute('aria-busy');
      button.setAttribute('aria-label', strings.openChat);
      alert?.remove();
      alert = document.createElement('div');
      alert.className = `load-error ${button.classList.contains('dark') ? 'dark' : ''}`;
      alert.setAttribute('role', 'alert');
      alert.setAttribute(STAND_IN_KEY, '');
      const text = document.createElement('span');
      text.textContent = strings.loadFailed;
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'button';
      retry.textContent = strings.retryNow;
      retry.addEventListener('click', onOpen);
      alert.append(text, retry);
      root.append(alert);
    },
  };
}
