import type { CommandSpec } from './spec.js';

/**
 * Every thaw command, in the order `thaw --help` lists them. One file each, loaded only when
 * it runs: `thaw fold` should not pay for esbuild, playwright or the bench engine at start-up,
 * and a command's heavy dependencies stay out of the others' way.
 */
export const commands: Array<{ name: string; load: () => Promise<CommandSpec<any>> }> = [
  { name: 'build', load: async () => (await import('./build.js')).buildCommand },
  { name: 'run', load: async () => (await import('./run.js')).runCommand },
  { name: 'doctor', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'demo', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'fold', load: async () => (await import('./fold.js')).foldCommand },
  { name: 'flame', load: async () => (await import('./flame.js')).flameCommand },
  { name: 'profile', load: async () => (await import('./profile.js')).profileCommand },
  { name: 'bench', load: async () => (await import('./bench.js')).benchCommand },
  { name: 'pages', load: async () => (await import('./pages/index.js')).pagesCommand },
];
