/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json), "sampled"
 * profile: shared frames, one stack of frame indices per distinct stack with its weight.
 */
import { stacksOf, type Profile } from '../../model/profile.js';

export function serializeSpeedscope(p: Profile): string {
  const frames: Array<{ name: string }> = [];
  const index = new Map<string, number>();
  const samples: number[][] = [];
  const weights: number[] = [];
  for (const s of stacksOf(p)) {
    samples.push(
      s.frames.map((f) => {
        let i = index.get(f);
        if (i === undefined) {
          i = frames.length;
          frames.push({ name: f });
          index.set(f, i);
        }
        return i;
      }),
    );
    weights.push(s.weight);
  }
  const unit = p.unit === 'samples' ? 'none' : p.unit;
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    exporter: 'thaw',
    name: p.name,
    activeProfileIndex: 0,
    shared: { frames },
    profiles: [{ type: 'sampled', name: p.name, unit, startValue: 0, endValue: p.total, samples, weights }],
  });
}
