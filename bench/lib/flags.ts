/**
 * A benchmark's `--name=value` / `--name` command-line flags; prints `help` and exits on `--help`.
 * @example const flags = readFlags(HELP); const quick = flags.has('quick');
 */
export function readFlags(
  help: string,
  argv: readonly string[] = process.argv.slice(2),
): Map<string, string> {
  const flags = new Map(
    argv.map((argument) => {
      const [name, value = 'true'] = argument.replace(/^--/, '').split('=');
      return [name!, value] as const;
    }),
  );
  if (flags.has('help')) {
    console.log(help);
    process.exit(0);
  }
  return flags;
}
