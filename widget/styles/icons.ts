import { svg } from 'lit';
import { CHAT_ICON_PATH } from './icon-paths.ts';

/** Inline SVG icons (Lit templates: no markup strings, nothing to fetch, CSP-safe). All decorative. */
export const ICONS = {
  chat: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${CHAT_ICON_PATH}/></svg>`,
  close: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18"/></svg>`,
  send: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M5 12h13M12 5l7 7-7 7"/></svg>`,
  stop: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="7" y="7" width="10" height="10" rx="1.5"/></svg>`,
  retry: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7"/></svg>`,
  down: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12 5v14M6 13l6 6 6-6"/></svg>`,
  tool: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M14.7 6.3a4 4 0 0 0-5.4 5.2L4 16.8V20h3.2l5.3-5.3a4 4 0 0 0 5.2-5.4l-2.5 2.5-2.5-2.5z"/></svg>`,
} as const;
