/**
 * Loaded by the loader's browser tests in place of the full widget (`embed.ts`), as a classic
 * script: it takes the loader's queue through `handOver`, exactly as embed.ts does, and records
 * what it was given and what was pushed after, instead of mounting chats. The real widget taking
 * over is test/e2e/lazy-loader.e2e.test.ts.
 */
(() => {
  const loader = window.Chorus as import('../embed/chorus-global.ts').ChorusLoaderGlobal;
  const pushed: unknown[] = [];
  const record = loader.handOver({
    loaded: true,
    version: 'test',
    chat: undefined,
    push: (...commands) => pushed.push(...commands),
  });
  (window as unknown as { chorusHandOver: unknown }).chorusHandOver = { ...record, pushed };
})();
