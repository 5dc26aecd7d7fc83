/**
 * The script-tag entry (`chorus.js`, one self-contained file):
 *
 * ```html
 * <script>window.Chorus = window.Chorus || []; Chorus.push(['setUser', { name: 'Ada' }]);</script>
 * <script async src="https://chat.example.com/chorus.js" data-room="support"></script>
 * ```
 *
 * It reads the `data-*` attributes of its own script tag, takes the server's URL from the tag's
 * `src`, mounts `<chorus-chat>` (a launcher in the page's corner, or inline in `data-target`),
 * then runs the calls queued in `window.Chorus` before it loaded and replaces that array with an
 * object whose `push` runs calls at once. Loading it twice mounts nothing twice.
 */
import { ChorusChat } from './components/chat/chat.ts';
import { defineChorusElements } from './elements.ts';
import {
  createChorusGlobal,
  isLoaded,
  optionsFromScript,
  serverOf,
  whenReady,
} from './embed/chorus-global.ts';
import { warnOnce } from './lib/warn-once.ts';

/** Runs once per script tag. */
function boot(script: HTMLScriptElement | null): void {
  const options = optionsFromScript(script);
  const current = window.Chorus;
  if (isLoaded(current)) {
    // Loaded again: the first copy owns the elements and the API; mount this tag's chat through it (deduplicated).
    if (options) current.push(['mount', options]);
    return;
  }
  // <chorus-chat> elements written in the page talk to the server this script came from.
  if (script?.src) ChorusChat.defaultServer = options?.server ?? serverOf(script.src);
  defineChorusElements();
  const queued = Array.isArray(current) ? current : [];
  const chorus = createChorusGlobal();
  window.Chorus = chorus;
  // A mount queued by the page comes before commands that act on the chat.
  const mounts = queued.filter((command) => Array.isArray(command) && command[0] === 'mount');
  const others = queued.filter((command) => !(Array.isArray(command) && command[0] === 'mount'));
  if (options) chorus.push(['mount', options]);
  chorus.push(...mounts, ...others);
  if (!options && mounts.length === 0) {
    void whenReady().then(() => {
      if (!document.querySelector('chorus-chat'))
        warnOnce(
          'no-room',
          'Chorus: add data-room="…" to the script tag, a <chorus-chat room="…"> to the page, or Chorus.push(["mount", { room }])',
        );
    });
  }
}

boot(document.currentScript instanceof HTMLScriptElement ? document.currentScript : null);
