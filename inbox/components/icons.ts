import { svg } from 'lit';

/** The inbox's icons beside the widget's (widget/styles/icons.ts): Lit templates, decorative. */
export const INBOX_ICONS = {
  back: svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M19 12H5M11 5l-7 7 7 7"/></svg>`,
} as const;
