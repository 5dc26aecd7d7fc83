/**
 * A host page's stylesheet that is hostile to an embedded widget by inheritance alone: every
 * property here inherits into `<chorus-chat>` unless the component boundary stops it
 * (docs/architecture.md §11). Used by the browser test of the boundary and by the tour's
 * `widget-hostile-host.png` (test/e2e/widget-tour.e2e.test.ts).
 */
export const HOSTILE_HOST_CSS = `
  body {
    text-transform: uppercase;
    letter-spacing: 0.4em;
    word-spacing: 1em;
    font-style: italic;
    font-weight: 900;
    font-variant: small-caps;
    white-space: nowrap;
    cursor: wait;
    line-height: 3;
    text-indent: 4em;
    text-align: right;
    text-shadow: 2px 2px 0 red;
    -webkit-text-fill-color: #ff00ff;
    word-break: break-all;
    list-style-type: "🔥";
    visibility: visible;
    font-family: 'Comic Sans MS', cursive;
    font-size: 22px;
    color: #ff00ff;
  }
`;

/** Computed values of the inherited properties above, as they must be inside the widget. */
export const CLEAN_INHERITED: Record<string, string> = {
  textTransform: 'none',
  letterSpacing: 'normal',
  wordSpacing: '0px',
  fontStyle: 'normal',
  fontVariant: 'normal',
  whiteSpace: 'normal',
  cursor: 'auto',
  textIndent: '0px',
  textShadow: 'none',
  wordBreak: 'normal',
};
