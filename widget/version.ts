/** The widget's version, shown by `window.Chorus.version`. */
export const VERSION = '0.1.0';
