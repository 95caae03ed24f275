#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { commands } from './commands.js';
import { prepareProcess, reportError } from './process.js';
import type { CommandSpec } from './spec.js';

prepareProcess();

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function build(spec: CommandSpec, parent: Command): void {
  const cmd = parent.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
  if (spec.help) cmd.addHelpText('after', '\n' + spec.help);
  cmd.exitOverride();
  for (const o of spec.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.repeat) opt.argParser((v: string, prev: unknown[] | undefined) => [...(prev ?? []), o.parse ? o.parse(v) : v]);
    else if (o.parse) opt.argParser((v: string) => o.parse!(v));
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  if (spec.passThrough) cmd.passThroughOptions().allowUnknownOption(false).enablePositionalOptions();
  for (const sub of spec.subcommands ?? []) build(sub, cmd);
  if (spec.run) {
    const run = spec.run;
    cmd.action(async (...all: unknown[]) => {
      const self = all[all.length - 1] as Command;
      const opts = self.opts();
      const positional = self.processedArgs.flatMap((a: unknown) => (Array.isArray(a) ? a : a === undefined ? [] : [a])) as string[];
      const dash = process.argv.indexOf('--');
      const rest = dash >= 0 ? process.argv.slice(dash + 1) : [];
      const code = await run(positional, opts, rest);
      process.exitCode = typeof code === 'number' ? code : 0;
    });
  }
}

/** Commander's usage errors, in thaw's shape: one line with the code, then where to look. */
function usageError(message: string, word: string | undefined): string {
  const known = word !== undefined && commands.some((c) => c.name === word);
  message = message.replace(/\s*\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)');
  return `thaw: error: [E_USAGE] ${message}\n  fix: ${known ? `thaw ${word} --help` : 'thaw --help'} shows the usage\n`;
}

export async function main(argv: string[]): Promise<void> {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  const program = new Command('thaw')
    .description('Restore server applications from a checkpoint taken after warm-up; measure and explain startup.')
    .version(pkg.version)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? usageError(s.slice('error: '.length).trim(), word) : s) });
  // Only the command being run is loaded; `thaw`, `thaw --help` and unknown words load all.
  const wanted = commands.filter((c) => c.name === word);
  for (const c of wanted.length ? wanted : commands) build(await c.load(), program);
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      process.exitCode = err.exitCode;
      return;
    }
    reportError(err);
  }
}

await main(process.argv);
