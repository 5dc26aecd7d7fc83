/**
 * Whether a chat is dark (docs/architecture.md §11): `theme` when it is `dark` or `light`, else
 * the page's declared `color-scheme` (around the element, or its `<meta name="color-scheme">`)
 * when it names one of the two alone, else the OS. Shared by `<chorus-chat>` and the loader's
 * launcher, so both pick the same palette.
 * @example isDark('auto', chat) // true on a page with `color-scheme: dark`
 */
export function isDark(
  theme: string,
  element: Element,
  prefersDark: () => boolean = () => matchMedia('(prefers-color-scheme: dark)').matches,
): boolean {
  if (theme === 'dark' || theme === 'light') return theme === 'dark';
  const page =
    getComputedStyle(element.parentElement ?? document.documentElement).colorScheme +
    ' ' +
    (document.querySelector('meta[name="color-scheme"]')?.getAttribute('content') ?? '');
  const light = /\blight\b/.test(page);
  return /\bdark\b/.test(page) !== light ? !light : prefersDark();
}
