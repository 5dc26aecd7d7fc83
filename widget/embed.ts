/**
 * The full widget for the script tag (`chorus/chorus.<hash>.js`), loaded by the loader
 * (`chorus.js`, widget/loader.ts) when the visitor opens the launcher, when they have a
 * conversation, or at once for an inline chat (docs/architecture.md §10, "Widget delivery"):
 *
 * ```html
 * <script>window.Chorus = window.Chorus || []; Chorus.push(['setUser', { name: 'Ada' }]);</script>
 * <script async src="https://chat.example.com/chorus.js" data-room="support"></script>
 * ```
 *
 * It defines the elements, takes the loader's server and queued commands (`handOver`), builds
 * the real `window.Chorus` and runs them; the loader forwards what is pushed later. The loader
 * reads the script tag: this file no longer does. Loaded twice, it mounts nothing twice.
 */
import { ChorusChat } from './components/chat/chat.ts';
import { defineChorusElements } from './elements.ts';
import { createChorusGlobal, isLoaded, isLoader } from './embed/chorus-global.ts';

function boot(): void {
  const current = window.Chorus;
  // Loaded again: the first copy owns the elements and the API.
  if (isLoaded(current) && !isLoader(current)) return;
  const chorus = createChorusGlobal();
  const { server, commands } = isLoader(current)
    ? current.handOver(chorus)
    : { server: '', commands: Array.isArray(current) ? current : [] };
  // <chorus-chat> elements written in the page talk to the server the loader came from.
  if (server) ChorusChat.defaultServer = server;
  defineChorusElements();
  window.Chorus = chorus;
  chorus.push(...commands);
}

boot();
