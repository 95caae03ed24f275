/** The self-contained HTML report (distribution and warm-up curve as inline SVG). */
import { renderBenchReport } from '../../render/bench-report.js';
import type { BenchReport } from '../types.js';

export function serialize(report: BenchReport): string {
  return renderBenchReport(report);
}
