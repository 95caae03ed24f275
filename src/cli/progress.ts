/** Progress for long work: one updating line on a terminal (stderr), silence otherwise. */
export function progressLine(prefix = 'thaw'): { say: (msg: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    say(msg: string) {
      if (!tty) return;
      process.stderr.write(`\r\x1b[2K${prefix}: ${msg}…`);
      shown = true;
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

