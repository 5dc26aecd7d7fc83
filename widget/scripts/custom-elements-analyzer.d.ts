/** Types for the programmatic entry of `@custom-elements-manifest/analyzer` (the package has none for it). */
declare module '@custom-elements-manifest/analyzer/cli.js' {
  /**
   * Runs the `custom-elements-manifest` command with `argv` in `cwd`, and resolves to the manifest;
   * with `noWrite` nothing is written.
   * @example const manifest = await cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true });
   */
  export function cli(options?: {
    argv?: string[];
    cwd?: string;
    noWrite?: boolean;
  }): Promise<unknown>;
}
