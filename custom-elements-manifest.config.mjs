/**
 * The Custom Elements Manifest analyzer's config: `npm run build:manifest` writes
 * `custom-elements.json` (the public API of `<chorus-chat>`, read by editors and Storybook), and
 * widget/scripts/custom-elements-manifest.test.ts fails when it is stale or incomplete.
 *
 * Only `<chorus-chat>` is analysed: the header, message list and composer are its internals (their
 * parts are re-exported and documented on the chat). The JSDoc on `ChorusChat` carries what the
 * code cannot say: tag name, events with their detail, parts and custom properties.
 */
export default {
  globs: ['widget/components/chat/chat.ts'],
  exclude: ['**/*.test.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [publicApiOnly()],
};

/**
 * Keeps the manifest to what a page can use. Drops private and `#private` members; the attributes
 * of private properties (the analyzer reads Lit's `{ state: true }` as an attribute, which Lit
 * does not observe); and the nameless events the analyzer infers from `dispatchEvent(new X(…))`
 * (the `@fires` tags name them).
 */
function publicApiOnly() {
  return {
    name: 'chorus-public-api-only',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (declaration.kind !== 'class') continue;
          const isPrivate = (member) => member.privacy === 'private' || member.name.startsWith('#');
          const hidden = new Set(
            (declaration.members ?? []).filter(isPrivate).map((member) => member.name),
          );
          if (declaration.members)
            declaration.members = declaration.members.filter((member) => !hidden.has(member.name));
          if (declaration.attributes)
            declaration.attributes = declaration.attributes.filter(
              (attribute) => !hidden.has(attribute.fieldName),
            );
          if (declaration.events)
            declaration.events = declaration.events.filter((event) => event.name);
        }
      }
    },
  };
}
