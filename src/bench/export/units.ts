/** Shared number formatting for the text exporters and the terminal table. */
export function ms(seconds: number, digits = 1): string {
  return (seconds * 1000).toFixed(digits);
}

export function mb(kb: number | undefined | null): string {
  return kb === undefined || kb === null ? '' : (kb / 1024).toFixed(1);
}

/** A time with its unit: ms below 10 s, s above. */
export function time(seconds: number): string {
  return seconds >= 10 ? `${seconds.toFixed(2)} s` : `${(seconds * 1000).toFixed(1)} ms`;
}
