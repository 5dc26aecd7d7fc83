const warned = new Set<string>();

/** Where integrators read about a misuse the widget warns about (sections are named by code). */
export const DOCS = 'widget/README.md';

/**
 * Warns an integrator about a misuse, once per code per page (as Lit's `issueWarning` does).
 * @example warnOnce('missing-room', '<chorus-chat> needs a "room" attribute');
 */
export function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  console.warn(`[chorus] ${message} (see ${DOCS}, "${code}")`);
}
