/**
 * Every `thaw: error: [CODE]` thaw prints, in one table: what it means and what to do. The
 * message at each call site names the file, flag or resource; this table is the reference
 * README's error list is made from. A unit test (errors.test.ts) fails when code under src/ or
 * bin/ uses a code this table lacks.
 */
export interface ErrorCode {
  meaning: string;
  fix: string;
}

export const ERROR_CODES: Record<string, ErrorCode> = {
  // Usage and inputs
  E_USAGE: { meaning: 'a flag or argument is missing, malformed or out of range', fix: 'see `thaw COMMAND --help`' },
  E_NOT_FOUND: { meaning: 'a file named on the command line does not exist', fix: 'check the path' },
  E_ACCESS: { meaning: 'permission denied on a file', fix: 'check its permissions, or run as its owner' },
  E_ENTRY_MISSING: { meaning: 'the entry given to build/doctor does not exist, or is a directory Node could not run (no package.json main, no index.js)', fix: "give the app's main file" },
  E_ENTRY_TYPE: { meaning: 'the entry is not JavaScript or TypeScript', fix: 'give a .js, .cjs, .mjs, .jsx, .ts, .mts, .cts or .tsx file' },
  E_OUTPUT_EXISTS: { meaning: '-o names something that is not a thaw image', fix: 'choose another -o, or empty it' },
  E_OUTPUT_BUSY: { meaning: 'another thaw build is writing the same -o', fix: 'wait for it, or build to another -o' },
  E_DISK_FULL: { meaning: 'the disk (or quota) holding an output ran out of space while thaw wrote it; nothing half-written is kept', fix: 'free space there, or write to another folder' },
  E_READ_ONLY: { meaning: 'an output folder is on a read-only file system', fix: 'write to a writable folder' },
  E_WARMUP_FILE: { meaning: 'a warm-up (or --verify) file is missing or malformed', fix: 'a JSON array of { "method", "path", "headers"?, "body"?, "repeat"? }' },
  E_BAD_URL: { meaning: 'a --ready URL is not one thaw can probe', fix: "http:// or tcp:// with a port, e.g. 'http://127.0.0.1:$PORT/health'" },
  E_BAD_REGEX: { meaning: '--ready-regex is not a valid regular expression', fix: 'give a JavaScript regular expression' },
  E_BASELINE: { meaning: 'a --baseline file cannot be read as a benchmark export', fix: "give a thaw or hyperfine --json export" },
  // Node and the bundle
  E_NODE_MISSING: { meaning: 'the Node binary to build or restore with does not exist', fix: 'install it, pass --node, or set THAW_NODE' },
  E_NODE_BROKEN: { meaning: 'the Node binary does not run', fix: 'pass --node with a working node' },
  E_NODE_TOO_OLD: { meaning: 'thaw images need Node 20 or newer', fix: 'pass --node with Node >= 20' },
  E_NODE_MISMATCH: { meaning: 'an image is started with a Node other than the one that built it', fix: 'rebuild with this Node, or set THAW_NODE to the recorded version' },
  E_SYNTAX: { meaning: 'the app does not parse', fix: 'fix the source line named; it must run with plain node too' },
  E_MODULE_NOT_FOUND: { meaning: "an import of the app's own files, or a package its init requires, is not there", fix: 'fix the path or npm install the package, as node needs too' },
  E_DECORATOR_METADATA: { meaning: 'TypeScript with emitDecoratorMetadata but no typescript package to emit it', fix: 'npm install --save-dev typescript, or build from tsc output' },
  E_NOT_BUILT: { meaning: "thaw's own dist/ is missing", fix: 'npm ci (or npm run build) in thaw' },
  E_NO_ESBUILD: { meaning: 'esbuild is missing (thaw bundles apps and the scripts of its pages with it)', fix: 'npm ci in thaw' },
  // The build
  E_APP_INIT: { meaning: 'the app threw while initialising inside the snapshot builder', fix: 'check that `node ENTRY` starts cleanly; if it does, thaw doctor ENTRY shows what the builder lacked (it has no PORT, HOST or NODE_OPTIONS)' },
  E_APP_EXIT: { meaning: 'the app called process.exit during the build', fix: 'give the build the configuration the app needs to keep running' },
  E_BUILD_TIME_USE: { meaning: 'the app used node:http/https/tls/http2 or fetch in a way that needs the real module before restore', fix: 'do it in thaw.onRestore() or a Resource’s afterRestore()' },
  E_NATIVE_ADDON: { meaning: 'a native addon was loaded during the build; its memory is outside the JS heap', fix: 'require the package and open what it opens in thaw.onRestore()' },
  E_RUNTIME_ESM: { meaning: 'an ES module was required by a computed name during the build', fix: 'import it statically, or load it in thaw.onRestore()' },
  E_WARMUP_NO_SERVER: { meaning: 'warm-up requests were given but the app made no http server during init', fix: 'create the server at top level, or drop --warmup' },
  E_WARMUP_5XX: { meaning: 'a warm-up request was answered 5xx (what the app printed during the build is shown)', fix: 'fix the handler or the request; no image was written' },
  E_WARMUP_FAILED: { meaning: 'a warm-up request threw or timed out', fix: 'fix the handler or the request; no image was written' },
  E_CHECKPOINT_HOOK: { meaning: "a Resource's beforeCheckpoint failed", fix: 'fix the resource named' },
  E_LIVE_HANDLES: { meaning: 'handles (timers, sockets, watchers, children, open files) still open at the checkpoint', fix: "close each in beforeCheckpoint and reopen it in afterRestore; append-mode write streams are reopened by thaw" },
  E_SNAPSHOT_HOSTILE: { meaning: 'a built-in V8 cannot serialise (undici, http2 …) was loaded during the build past thaw’s stand-ins', fix: 'make that call in thaw.onRestore(), and report the package to thaw' },
  E_SNAPSHOT_ABORT: { meaning: "V8's snapshot builder stopped; the message carries its own reason", fix: 'run thaw doctor ENTRY; the reason names what to move into onRestore()' },
  E_SEA_UNSUPPORTED: { meaning: 'the Node binary was built without single-executable support', fix: 'use an official Node build, or drop --sea' },
  E_BUILDER_KILLED: { meaning: 'the snapshot builder was killed by a signal thaw did not send (kill -9, the kernel\'s out-of-memory killer)', fix: 'build again; if it recurs, dmesg names the out-of-memory killer' },
  E_BUILD_FAILED: { meaning: 'the build failed in a way thaw has no closer name for', fix: 'run thaw doctor ENTRY; THAW_KEEP_FAILED_BUILD=1 keeps the build for a report' },
  // Verification of a built image
  E_VERIFY_MISMATCH: { meaning: 'the restored image answers a request differently from the app started cold', fix: 'thaw doctor ENTRY for state baked in at build time; --no-verify keeps the image anyway' },
  E_VERIFY_START: { meaning: 'the app (cold) or the image (restored) did not start or answer for verification', fix: 'check that `node ENTRY` serves on $PORT; --no-verify skips the check' },
  E_VERIFY_PORT: { meaning: 'the app listens on a fixed port that is in use, so it cannot be started to verify the image', fix: 'free the port, let the app read PORT, or pass --no-verify' },
  // Images and restores
  E_IMAGE_MISSING: { meaning: 'not a thaw image (no IMG/start)', fix: 'build one with thaw build ENTRY -o IMG' },
  E_IMAGE_FORMAT: { meaning: "an image's manifest is from another thaw or damaged", fix: 'rebuild the image' },
  E_IMAGE_BLOB_MISSING: { meaning: "an image's snapshot blob is gone", fix: 'rebuild the image' },
  E_IMAGE_CORRUPT: { meaning: "an image's blob fails its sha256 check", fix: 'rebuild the image' },
  E_IMAGE_START: { meaning: 'IMG/start could not run', fix: 'rebuild the image' },
  E_RESTORE_HOOK: { meaning: "a Resource's afterRestore failed in a restored process", fix: 'fix the afterRestore named; the image itself is fine' },
  E_PORT_IN_USE: { meaning: 'the port a restored server (or a benchmark run) listens on is taken', fix: 'stop what holds it, or start with PORT=<free port>' },
  E_PORT_ACCESS: { meaning: 'no permission to listen on the port', fix: 'use a port above 1023' },
  E_LISTEN: { meaning: 'a restored server could not listen', fix: 'check the address the app listens on' },
  // Running, probing, benchmarking
  E_COMMAND_NOT_FOUND: { meaning: 'a configuration’s command does not exist', fix: 'check the spelling, or give the full path' },
  E_COMMAND_NOT_EXECUTABLE: { meaning: 'a configuration’s command is not executable', fix: 'chmod +x it' },
  E_NOT_READY: { meaning: 'a server did not become ready before the timeout', fix: 'check the probe (--ready) and the tail of its stderr, or raise --timeout' },
  E_EXITED_EARLY: { meaning: 'a server exited before it was ready', fix: 'see the tail of its stderr' },
  E_PROBE_ABORTED: { meaning: 'a readiness probe was stopped (the process exited, or Ctrl-C)', fix: 'see the reason given' },
  E_BAD_RESPONSE: { meaning: 'a request after readiness (--after) was not answered 2xx', fix: 'check the server, or the request' },
  E_RUN_FAILED: { meaning: 'a benchmark run failed for another reason', fix: 'see the message' },
  E_PREPARE_FAILED: { meaning: 'a --prepare command failed', fix: 'fix the command; it runs before every run' },
  E_CLEANUP_FAILED: { meaning: 'a --cleanup command failed', fix: 'fix the command; it runs after a configuration’s last run' },
  E_REGRESSION: { meaning: 'a configuration is slower than --baseline by more than --threshold', fix: 'look at what changed; the report has the interval' },
  E_TIMEOUT: { meaning: 'a child command did not finish in time', fix: 'see the command named' },
  // Profiling
  E_PERF_MISSING: { meaning: 'perf is not installed', fix: 'apt-get install linux-perf' },
  E_PERF_DENIED: { meaning: 'perf may not record here', fix: 'run as root, or set kernel.perf_event_paranoid <= 1' },
  E_PERF_FAILED: { meaning: 'perf record or perf script failed', fix: 'see the tail of its stderr' },
  E_PERF_RECORD: { meaning: 'perf record failed for this command', fix: 'see the tail of its stderr' },
  E_PERF_SCRIPT: { meaning: 'perf script could not read a recording', fix: 'see the tail of its stderr' },
  E_SNAPSHOT_FLAGS: { meaning: 'a restored image cannot run under the flags profiling adds', fix: 'build it with --node-flags --perf-basic-prof' },
  E_PROFILE_EXITED: { meaning: 'a profiled command exited before it was ready', fix: 'see the tail of its stderr' },
  E_PROFILE_NOT_READY: { meaning: 'a profiled server did not become ready', fix: 'check --ready, or raise --timeout' },
  E_PROFILE_EMPTY: { meaning: 'a profile holds no samples', fix: 'profile longer, or at a higher --freq' },
  E_PROFILE_INPUT: { meaning: 'an input to flame/fold cannot be read', fix: 'check the path' },
  E_PROFILE_FORMAT: { meaning: 'an input is not a profile thaw reads', fix: 'give perf script text, folded stacks, collapsed or .cpuprofile' },
  E_FOLD_INPUT: { meaning: 'the input to fold is not perf script text', fix: 'give the output of perf script' },
  // The microVM engine (--engine vm)
  E_VM_REQUIRES: { meaning: 'a tool the microVM engine needs is missing (QEMU, a kernel, static busybox, xz, gcc, jlink)', fix: 'apt-get install the package named' },
  E_VM_GUEST: { meaning: "the guest's runtime or files cannot be assembled", fix: 'see the message; build from a directory that holds only the app' },
  E_VM_COMMAND: { meaning: 'the command cannot run in the guest as thaw finds it on the host (not an x86-64 program or a #! script, or a library or interpreter it needs is missing here)', fix: 'give a program or a script with a #! line; install what is named; --include what thaw cannot find' },
  E_VM_BOOT: { meaning: 'the guest stopped before the app answered (QEMU or the app exited)', fix: 'check that the command serves on $PORT when run on the host; see the output shown' },
  E_VM_QEMU: { meaning: 'QEMU failed to start or refused a command', fix: "see QEMU's message; rebuild the image if QEMU was upgraded" },
  E_VM_SNAPSHOT: { meaning: 'the checkpoint or the restore of the guest failed', fix: 'see the message; rebuild the image' },
  E_VM_AGENT: { meaning: "thaw's agent in the guest did not answer after a restore", fix: 'rebuild the image; see the console output shown' },
  // Pages
  E_NO_PROCESS: { meaning: 'no process with that pid (or no executable: a kernel thread)', fix: 'check the pid with ps -e' },
  E_PROC: { meaning: "a process's /proc files cannot be read", fix: 'see the message' },
  E_PROC_PERMISSION: { meaning: 'physical addresses and page flags need root', fix: 'run as root' },
  E_DROP_CACHES: { meaning: '--drop-caches needs root', fix: 'run as root, or leave it out' },
  E_NO_FAULTS: { meaning: 'a trace recorded no page faults', fix: 'see the message; check perf' },
  E_TRACE_TIMEOUT: { meaning: 'a traced command did not become ready in time', fix: 'check --ready, or raise --timeout' },
  E_MEM_MAPPING: { meaning: 'a mem_mapping file cannot be read', fix: 'see the line named' },
  E_UFFD_LOG: { meaning: 'a userfaultfd log cannot be read', fix: 'see the line named' },
  E_NMT_SUMMARY: { meaning: 'an NMT file is a summary, not detail', fix: 'use jcmd PID VM.native_memory detail' },
  E_PAGES_FORMAT: { meaning: 'a file is in no format thaw pages reads', fix: 'give mem_mapping text, a uffd log, NMT detail or thaw JSON' },
  E_PAGES_JSON: { meaning: 'a thaw pages JSON file is damaged', fix: 'regenerate it' },
  E_PAGES_NOTHING: { meaning: 'nothing to show in the page view', fix: 'give a map or a trace' },
  // The VM page server (native/)
  E_GCC_MISSING: { meaning: "the page server's C helpers (native/) are compiled on first use and there is no gcc or no C headers", fix: 'apt-get install gcc (Debian: build-essential)' },
  E_NATIVE_BUILD: { meaning: "gcc failed to compile the page server's helpers (native/)", fix: 'report it with the compiler output shown' },
  E_PAGE_SERVER: { meaning: 'the userfaultfd page server could not start or failed (RAM file, /dev/shm, the helper itself)', fix: 'see the message and the tail of its stderr' },
};

/** The table as README shows it (test/… checks README holds exactly this). */
export function errorTable(): string {
  const esc = (t: string): string => t.replace(/\|/g, '\\|');
  return ['| code | means | what to do |', '|:---|:---|:---|', ...Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${esc(e.meaning)} | ${esc(e.fix)} |`)].join('\n');
}
