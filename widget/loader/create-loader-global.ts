import {
  isLauncher,
  mountKey,
  STAND_IN_KEY,
  whenReady,
  type ChorusCommand,
  type ChorusGlobal,
  type ChorusLoaderGlobal,
  type MountOptions,
} from '../embed/chorus-global.ts';
import { readConversationMarker } from '../embed/conversation-marker.ts';
import type { LauncherStrings } from '../i18n/launcher-strings.ts';
import { warnOnce } from '../lib/warn-once.ts';
import { VERSION } from '../version.ts';
import { createStandInLauncher, type StandInLauncher } from './stand-in-launcher.ts';

export interface LoaderOptions {
  /** The server the loader came from: the default of every chat (`ChorusChat.defaultServer`). */
  server: string;
  /** The full widget's content-hashed script. */
  widgetUrl: string;
  /** The launcher's strings in the page's language. */
  strings: LauncherStrings;
  /** The nonce the widget's script is loaded with (the loader's own). */
  nonce?: string;
}

/** Commands that need the full widget now: the visitor (or the page) wants the chat. */
const WANTS_CHAT = new Set(['open', 'toggle', 'send']);

/**
 * The loader's `window.Chorus` (docs/architecture.md §10, "Widget delivery"). Until the full widget is
 * loaded it queues commands (mounts first) and shows a stand-in for each launcher mount; it loads
 * the widget (one script, named by its hash) at once for an inline chat, a chat set to open, a
 * launcher whose visitor has a conversation (conversation-marker.ts), or `<chorus-chat>`
 * elements written in the page, and otherwise when the visitor opens a launcher (a click, or
 * `open` / `toggle` / `send` pushed). Nothing else connects before that. A failed load says so
 * on the launcher, and the next open tries again. The full widget calls `handOver`; pushes are
 * forwarded to it from then on.
 * @example window.Chorus = createLoaderGlobal({ server, widgetUrl, strings });
 */
export function createLoaderGlobal(options: LoaderOptions): ChorusLoaderGlobal {
  const mounts: ChorusCommand[] = [];
  const others: ChorusCommand[] = [];
  const standIns = new Map<string, StandInLauncher>();
  let full: ChorusGlobal | undefined;
  let loading: Promise<void> | undefined;
  let asked = false;

  const load = (byVisitor: boolean): void => {
    if (full) return;
    if (byVisitor) {
      asked = true;
      for (const standIn of standIns.values()) standIn.busy();
    }
    loading ??= loadScript(options.widgetUrl, options.nonce)
      .then(() => {
        if (!full) throw new Error(`${options.widgetUrl} did not start the Chorus widget`);
      })
      .catch((error: unknown) => {
        loading = undefined;
        console.error('[chorus]', error);
        if (asked) for (const standIn of standIns.values()) standIn.failed();
      });
  };

  const addStandIn = async (mount: MountOptions, key: string): Promise<void> => {
    await whenReady();
    if (full || standIns.has(key) || !mounts.some((command) => command[1] === mount)) return;
    const standIn = createStandInLauncher(mount, key, options.strings, () => global.push(['open']));
    standIns.set(key, standIn);
    document.body.append(standIn.element);
    if (asked && loading) standIn.busy();
  };

  const queue = (command: ChorusCommand): void => {
    const [name] = command;
    if (name === 'mount') {
      const mount = command[1];
      const key = mountKey(mount);
      if (mounts.some((queued) => mountKey(queued[1] as MountOptions) === key)) return;
      mounts.push(command);
      if (!isLauncher(mount)) return load(false);
      void addStandIn(mount, key);
      const server = mount.server ?? options.server;
      if (mount.open || readConversationMarker(server, mount.room)) load(false);
      return;
    }
    if (name === 'destroy' && mounts.length > 0) {
      // The first chat, not loaded yet: it just goes.
      const [first] = mounts.splice(0, 1);
      const key = mountKey(first![1] as MountOptions);
      standIns.get(key)?.element.remove();
      standIns.delete(key);
      return;
    }
    others.push(command);
    if (WANTS_CHAT.has(name)) load(true);
  };

  const global: ChorusLoaderGlobal = {
    loaded: true,
    version: VERSION,
    get chat() {
      return full?.chat;
    },
    push(...commands) {
      for (const command of commands) {
        if (full) full.push(command);
        else if (Array.isArray(command)) queue(command);
        else warnOnce('bad-command', 'Chorus.push takes arrays like ["open"]');
      }
      return commands.length;
    },
    handOver(widget) {
      full = widget;
      const commands = [...mounts.splice(0), ...others.splice(0)];
      standIns.clear();
      return { server: options.server, commands };
    },
  };

  // Elements written in the page (or added later by an app) need the widget; no mount needs no launcher.
  void whenReady().then(() => {
    const written = () => document.querySelector(`chorus-chat:not([${STAND_IN_KEY}])`) !== null;
    if (written()) return load(false);
    if (mounts.length === 0 && !loading && !full)
      warnOnce(
        'no-room',
        'Chorus: add data-room="…" to the script tag, a <chorus-chat room="…"> to the page, or Chorus.push(["mount", { room }])',
      );
    const observer = new MutationObserver(() => {
      if (full) observer.disconnect();
      else if (written()) {
        observer.disconnect();
        load(false);
      }
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  });
  return global;
}

/** Runs a classic script; rejects when it cannot be fetched or run. */
function loadScript(url: string, nonce: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    if (nonce) script.nonce = nonce;
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => {
      script.remove();
      reject(new Error(`${url} could not be loaded`));
    });
    document.head.append(script);
  });
}
