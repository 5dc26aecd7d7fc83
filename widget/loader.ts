/**
 * The script tag's entry, `chorus.js`: a small loader (docs/architecture.md §10, "Widget delivery").
 *
 * ```html
 * <script>window.Chorus = window.Chorus || []; Chorus.push(['setUser', { name: 'Ada' }]);</script>
 * <script async src="https://chat.example.com/chorus.js" data-room="support"></script>
 * ```
 *
 * It reads the `data-*` attributes of its own script tag, takes the server's URL from the tag's
 * `src`, replaces the `window.Chorus` queue with its own (createLoaderGlobal), and shows a
 * launcher that connects nothing until the visitor opens it; then it loads the full widget
 * (`chorus/chorus.<hash>.js`, beside this file, named by the build) which takes over. Loading it
 * twice mounts nothing twice.
 */
import { isLoaded, optionsFromScript, serverOf } from './embed/chorus-global.ts';
import type { LauncherStrings } from './i18n/launcher-strings.ts';
import { resolveLocale } from './i18n/strings.ts';
import { createLoaderGlobal } from './loader/create-loader-global.ts';

/** Set by the loader's build (vite.config.ts): the full widget's file, relative to this one. */
declare const __CHORUS_WIDGET_FILE__: string;
/** Set by the loader's build: the launcher's strings by language (launcher-strings.ts). */
declare const __CHORUS_LAUNCHER_STRINGS__: Readonly<Record<string, LauncherStrings>>;

function boot(script: HTMLScriptElement | null): void {
  const options = optionsFromScript(script);
  const current = window.Chorus;
  if (isLoaded(current)) {
    // Loaded again: the first copy owns the API; mount this tag's chat through it (deduplicated).
    if (options) current.push(['mount', options]);
    return;
  }
  const src = script?.src || location.href;
  const language = resolveLocale(options?.locale).toLowerCase().split('-')[0]!;
  const chorus = createLoaderGlobal({
    server: options?.server ?? serverOf(src),
    widgetUrl: new URL(__CHORUS_WIDGET_FILE__, src).href,
    strings: __CHORUS_LAUNCHER_STRINGS__[language] ?? __CHORUS_LAUNCHER_STRINGS__['en']!,
    ...(options?.nonce ? { nonce: options.nonce } : {}),
  });
  const queued = Array.isArray(current) ? current : [];
  window.Chorus = chorus;
  if (options) chorus.push(['mount', options]);
  chorus.push(...queued);
}

boot(document.currentScript instanceof HTMLScriptElement ? document.currentScript : null);
