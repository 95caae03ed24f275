/**
 * The CLI is data: every command is a CommandSpec in its own file, listed in commands.ts.
 * main.ts turns the list into a commander program, so `--help` is always what the code does.
 */
export interface OptionSpec {
  /** commander flag syntax, e.g. '-o, --out <dir>' or '--sea'. */
  flags: string;
  description: string;
  default?: string | boolean | number | string[];
  /** For repeatable options such as `-c NAME=COMMAND`: collect every value into an array. */
  repeat?: boolean;
  /** Parse the string value (numbers, lists); throw a ThawError naming the flag on bad input. */
  parse?: (value: string) => unknown;
}

/**
 * A command. `O` is the shape of its parsed options (commander's camel-cased names, values
 * already through each OptionSpec's `parse`), declared beside it so `run` reads typed values.
 */
export interface CommandSpec<O extends object = Record<string, unknown>> {
  name: string;
  /** Positional arguments in commander syntax, e.g. '<entry>' or '<files...>'. */
  args?: string;
  summary: string;
  /** Longer help text shown under `thaw CMD --help`. */
  help?: string;
  options?: OptionSpec[];
  subcommands?: Array<CommandSpec<any>>;
  /** Keep everything after `--` (or unknown words) for the command: `thaw pages trace -- CMD…`. */
  passThrough?: boolean;
  /** Returns the process exit code (0 when omitted). */
  run?(args: string[], opts: O, rest: string[]): Promise<number | void>;
}
