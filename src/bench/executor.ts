/**
 * Executors: the real one spawns the configuration, probes it, samples /proc and kills the
 * tree; the scripted fake replays given samples so runner, statistics and exports test
 * deterministically (after hyperfine's MockExecutor).
 */
import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ThawError, tail } from '../errors.js';
import { sampleTree } from '../launch/memory.js';
import { portInUse, freePort } from '../launch/port.js';
import { httpOnce, OutputWatcher, resolveProbe, usesRunPort, waitReady, type ProbeSpec, type ResolvedProbe } from '../launch/probe.js';
import { descendants, monotonicMs, run, running, start, type Exit } from '../launch/spawn.js';
import { bindPort, resolveCommand, type ResolvedCommand } from './command.js';
import { readTimeline, type TimelineRecorder } from './timeline.js';
import type { BenchConfig, Executor, RunContext, RunSample } from './types.js';

export interface RealExecutorOptions {
  probe: ProbeSpec;
  timeoutMs: number;
  after: number;
  prepare: Array<string | undefined>;
  cleanup: Array<string | undefined>;
  /** Record each run's timeline (HTTP probes). */
  timeline?: TimelineRecorder;
}

async function shellStep(what: 'prepare' | 'cleanup', cmd: string, config: BenchConfig, timeoutMs: number): Promise<void> {
  let r;
  try {
    r = await run(['/bin/sh', '-c', cmd], { cwd: config.cwd, env: config.env, timeoutMs });
  } catch (e) {
    if (e instanceof ThawError) throw new ThawError(`E_${what.toUpperCase()}_FAILED`, `--${what} ${JSON.stringify(cmd)} for ${JSON.stringify(config.name)}: ${e.message}`, { detail: e.detail });
    throw e;
  }
  if (r.status !== 0) {
    throw new ThawError(`E_${what.toUpperCase()}_FAILED`, `--${what} ${JSON.stringify(cmd)} for ${JSON.stringify(config.name)} exited with status ${r.status}`, {
      hint: `run it by hand: sh -c ${JSON.stringify(cmd)}`,
      detail: tail(r.stderr || r.stdout),
    });
  }
}

/** Why a child that exited before it was ready exited, as a ThawError. */
function earlyExit(config: BenchConfig, cmd: ResolvedCommand, exit: Exit, stderr: string, port: number): ThawError {
  const who = `configuration ${JSON.stringify(config.name)}`;
  const detail = tail(stderr) || undefined;
  if (cmd.shell && exit.status === 127 && /not found/.test(stderr)) {
    return new ThawError('E_COMMAND_NOT_FOUND', `${who}: command not found (${tail(stderr, 1)})`, { hint: 'check the spelling, or give the full path', detail });
  }
  if (/EADDRINUSE|address already in use/i.test(stderr)) {
    return new ThawError('E_PORT_IN_USE', `${who}: the server could not listen, its port is already in use (the run's PORT was ${port})`, {
      hint: 'make the server listen on process.env.PORT (thaw gives every run a free port), or stop whatever holds its fixed port',
      detail,
    });
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.status}`;
  return new ThawError('E_EXITED_EARLY', `${who} ${how} before it was ready`, { hint: 'run the command by hand with PORT set and look at its output', detail });
}

async function waitGone(pids: number[], limitMs: number): Promise<void> {
  const end = performance.now() + limitMs;
  while (pids.some(running) && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
}

export function realExecutor(opts: RealExecutorOptions): Executor {
  const resolved = new Map<BenchConfig, ResolvedCommand>();
  // Validate the probe once up front: a bad --ready fails before any run.
  const probeCheck = resolveProbe(opts.probe, 1);
  if (opts.after > 1 && probeCheck.kind !== 'http') {
    throw new ThawError('E_USAGE', `--after ${opts.after} needs an HTTP probe, not ${probeCheck.describe}`, { hint: 'give --ready http://127.0.0.1:$PORT/PATH' });
  }
  return {
    async check(config) {
      resolved.set(config, resolveCommand(config));
    },

    async run(config: BenchConfig, index: number, ctx: RunContext): Promise<RunSample> {
      const cmd = resolved.get(config) ?? resolveCommand(config);
      const prep = opts.prepare[index];
      if (prep) await shellStep('prepare', prep, config, opts.timeoutMs);
      const port = await freePort();
      const probe: ResolvedProbe = resolveProbe(opts.probe, port);
      if (probe.kind !== 'regex' && !usesRunPort(opts.probe) && (await portInUse(probe.port, probe.host))) {
        throw new ThawError('E_PORT_IN_USE', `configuration ${JSON.stringify(config.name)}: ${probe.host}:${probe.port} is already in use before the run started, so the probe would reach another server`, {
          hint: `stop whatever listens on port ${probe.port}, or let the server listen on $PORT and probe --ready "http://127.0.0.1:$PORT/"`,
        });
      }
      const watcher = probe.regex ? new OutputWatcher(probe.regex) : null;
      const argv = bindPort(cmd, port);
      const timeline = opts.timeline?.forRun(config.env ?? {});
      // performance.now() + clock = the monotonic clock the child's marks are on.
      const clock = monotonicMs() - performance.now();
      const t0 = performance.now();
      const child = start(argv, {
        cwd: config.cwd,
        env: { ...(config.env ?? {}), ...timeline?.env, PORT: String(port) },
        onOutput: watcher ? (s, c) => watcher.feed(s, c) : undefined,
      });
      let exit: Exit | null = null;
      let spawnError: Error | null = null;
      child.exited.then(
        (e) => (exit = e),
        (e: Error) => (spawnError = e),
      );
      const deadline = t0 + opts.timeoutMs;
      const abortReason = (): string | null => (spawnError ? 'spawn failed' : exit ? 'exited' : null);
      try {
        let readyAt: number;
        let attempts = 1;
        let firstLatency: number | undefined;
        try {
          if (watcher) {
            while (watcher.matchedAt === null) {
              if (abortReason()) throw new ThawError('E_PROBE_ABORTED', 'exited');
              if (performance.now() > deadline) throw new ThawError('E_NOT_READY', `no line matching ${probe.describe}`);
              // Output is timestamped as it arrives; this loop only decides when to stop
              // waiting, so it sleeps on a timer and leaves the event loop free.
              await new Promise((r) => setTimeout(r, 2));
            }
            readyAt = watcher.matchedAt;
          } else {
            const o = await waitReady(probe, { abort: abortReason, deadline });
            readyAt = o.readyAt;
            attempts = o.attempts;
            firstLatency = o.requestS;
          }
        } catch (e) {
          if (spawnError) {
            const se = spawnError as Error;
            throw se instanceof ThawError ? new ThawError(se.code, `configuration ${JSON.stringify(config.name)}: ${se.message}`, { hint: se.hint }) : se;
          }
          if (exit || (e instanceof ThawError && e.code === 'E_PROBE_ABORTED')) {
            const ex = exit ?? (await child.exited);
            throw earlyExit(config, cmd, ex, child.stderr(), port);
          }
          if (e instanceof ThawError && e.code === 'E_NOT_READY') {
            throw new ThawError('E_NOT_READY', `configuration ${JSON.stringify(config.name)} was not ready within ${(opts.timeoutMs / 1000).toFixed(1)} s: ${e.message}`, {
              hint: `make the server listen on process.env.PORT (here ${port}), point --ready at a URL it answers with a 2xx, or raise --timeout`,
              detail: tail(child.stderr() || child.stdout()) || '(no output on stdout or stderr)',
            });
          }
          throw e;
        }
        const sample: RunSample = { firstS: (readyAt - t0) / 1000, attempts };
        // Sample the tree as it is at ready; the time this takes is kept out of the Nth response.
        const s0 = performance.now();
        const tree = sampleTree(child.pid);
        const samplingMs = performance.now() - s0;
        if (tree) {
          sample.rssKb = tree.rssKb;
          sample.pssKb = tree.pssKb;
          sample.userS = tree.userS;
          sample.systemS = tree.systemS;
          sample.processes = tree.processes;
        }
        if (timeline) {
          // The child writes its marks as the response is finished: moments, at most.
          for (let i = 0; i < 100 && !existsSync(timeline.file); i++) await new Promise((r) => setTimeout(r, 2));
          sample.timeline = readTimeline(timeline.file, t0 + clock, readyAt + clock);
        }
        if (opts.after > 1) {
          const lat: number[] = [firstLatency ?? sample.firstS];
          const agent = new Agent({ keepAlive: true, maxSockets: 1 });
          try {
            let last = readyAt;
            for (let i = 2; i <= opts.after; i++) {
              const q0 = performance.now();
              const ans = await httpOnce(probe, { agent });
              if (ans.status < 200 || ans.status >= 300) {
                throw new ThawError('E_BAD_RESPONSE', `configuration ${JSON.stringify(config.name)}: request ${i} of --after ${opts.after} answered HTTP ${ans.status}`, { detail: tail(child.stderr()) });
              }
              lat.push((ans.endAt - q0) / 1000);
              last = ans.endAt;
            }
            sample.latenciesS = lat;
            sample.nthS = (last - t0 - samplingMs) / 1000;
          } finally {
            agent.destroy();
          }
        }
        void ctx;
        return sample;
      } finally {
        // Kill the whole tree and wait until every member is really gone (a zombie counts as
        // gone: it holds no socket), so the next run never overlaps a dying server.
        const tree = [child.pid, ...descendants(child.pid)];
        await child.kill();
        await waitGone(tree, 5000);
      }
    },

    async finish(config, index) {
      const c = opts.cleanup[index];
      if (c) await shellStep('cleanup', c, config, opts.timeoutMs);
    },
  };
}

/**
 * A scripted executor: `script[name]` lists what each run of that configuration yields, a
 * number (seconds to first response), a full RunSample, or an Error thrown as that run's failure.
 * Warm-up runs take entries too, in order.
 */
export function fakeExecutor(script: Record<string, Array<number | RunSample | Error>>): Executor & { calls: string[] } {
  const pos = new Map<string, number>();
  const calls: string[] = [];
  return {
    calls,
    async run(config) {
      const list = script[config.name];
      if (!list) throw new ThawError('E_COMMAND_NOT_FOUND', `configuration ${JSON.stringify(config.name)}: not in the script`);
      const i = pos.get(config.name) ?? 0;
      pos.set(config.name, i + 1);
      calls.push(config.name);
      const step = list[i % list.length]!;
      if (step instanceof Error) throw step;
      return typeof step === 'number' ? { firstS: step } : step;
    },
  };
}
