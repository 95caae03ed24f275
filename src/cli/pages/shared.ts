/** What the pages subcommands share: one progress line on a terminal. */
export const progress = (msg: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${msg}`);
};
export const progressDone = (): void => {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
};

export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
