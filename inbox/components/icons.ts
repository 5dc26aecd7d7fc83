import { svg } from 'lit';

/** The inbox's icons beside the widget's (widget/styles/icons.ts): Lit templates, decorative. */
export const INBOX_ICONS = {
  back: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M19 12H5M11 5l-7 7 7 7"/></svg>`,
  trash: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/></svg>`,
} as const;
