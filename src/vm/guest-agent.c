/*
 * thaw guest agent: PID 1 of a thaw microVM guest (src/vm/agent.ts builds it with gcc -static).
 *
 * It starts the app (argv after "--") as its child, reaps orphans as PID 1 must, and serves the
 * host on the serial console (its stdin/stdout, ttyS0). One command per line, one answer line
 * each, prefixed "\036thaw-agent " so the host tells them from the app's own output:
 *
 *   restore ID SEC NSEC HEX   after a snapshot restore: set the wall clock to the host's (the
 *                             guest clock resumes at snapshot time), mix HEX (fresh host
 *                             entropy) into the kernel pool and reseed the CRNG at once
 *                             (RNDRESEEDCRNG; otherwise the kernel reseeds up to 60 s later and
 *                             every restore of one snapshot reads the same /dev/urandom), then,
 *                             when the app catches SIGPWR, signal it and wait for its
 *                             acknowledgement, a line on the FIFO named by THAW_RESEED_ACK.
 *                             Answer: "restored ID MS" (MS: time the agent took).
 *   ping                      answer "pong": the agent reads the console.
 *   port N                    how the app listens on TCP port N: "port N any" (all
 *                             interfaces: the host's forward reaches it), "port N loopback"
 *                             (127.0.0.1/::1 only: unreachable from the host) or "port N none",
 *                             followed by the other TCP ports listened on, if any
 *                             ("port 8080 none 8000,9090": the app chose another port).
 *   pages                     the page map of the app's process tree, right before the
 *                             checkpoint (PID 1 is root: pagemap shows guest-physical frames):
 *                               pages-proc PID EXE
 *                               pages-map LINE                (its /proc/PID/smaps header lines,
 *                                                              i.e. /proc/PID/maps)
 *                               pages-run VPAGE PFN COUNT BITS  (hex: COUNT present pages from
 *                                 virtual page VPAGE on guest frame PFN, both ascending by one;
 *                                 BITS 1 = exclusively mapped, 2 = file page or shared anon)
 *                               pages-kernel START END NAME   (the kernel image, /proc/iomem)
 *                               pages-nmt PID LINE            (a JVM started with
 *                                 -XX:NativeMemoryTracking=detail|summary: what `jcmd PID
 *                                 VM.native_memory detail|summary` prints, up to its "Details:"
 *                                 section, asked before its pages are read; the agent speaks
 *                                 HotSpot's attach protocol itself, so the guest needs no jcmd)
 *                               pages-done PROCS PAGES LINES MS  (LINES: pages-* lines before)
 *                             Pages of mappings whose smaps Rss is 0 are not read: V8 and
 *                             HotSpot reserve gigabytes they never touch.
 *
 * When the app exits the agent says "exited STATUS" and stays up; the host decides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TAG "\036thaw-agent "

static pid_t app = -1;
static const char *ack_path;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  dprintf(1, "\n" TAG "%s\n", line);
}

static void reap(void) {
  int status;
  pid_t p;
  while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
    if (p == app) {
      say("exited %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
      app = -1;
    }
  }
}

static void on_chld(int sig) { (void)sig; }

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Does process `pid` catch signal `sig` (its SigCgt mask in /proc/PID/status)? */
static int catches(pid_t pid, int sig) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  unsigned long long mask = 0;
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) found = sscanf(line, "SigCgt: %llx", &mask) == 1;
  fclose(f);
  return found && (mask >> (sig - 1)) & 1;
}

/*
 * Signal the app (SIGPWR) and wait (at most 5 s) until it writes a line to the acknowledgement
 * FIFO, when it catches SIGPWR: by default the signal would end it.
 */
static void wait_ack(void) {
  if (app <= 0 || !catches(app, SIGPWR)) return;
  int fd = open(ack_path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return;
  if (app > 0) kill(app, SIGPWR);
  struct pollfd p = {fd, POLLIN, 0};
  double until = now_ms() + 5000;
  char buf[64];
  for (;;) {
    int left = (int)(until - now_ms());
    if (left <= 0) break;
    int r = poll(&p, 1, left);
    if (r < 0 && errno == EINTR) { reap(); continue; }
    if (r <= 0) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) break;
    if (n == 0) usleep(1000); /* no writer yet: POLLHUP until the app opens its end */
  }
  close(fd);
}

/* The LISTEN sockets on `port` in /proc/net/tcp and tcp6: 2 any address, 1 loopback only, 0 none.
 * The other ports listened on (up to 16, each once) go to `others`, comma-separated. */
static int listening(int port, char others[128]) {
  int best = 0, seen[16], nseen = 0;
  const char *files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
  for (int f = 0; f < 2; f++) {
    FILE *in = fopen(files[f], "r");
    if (!in) continue;
    char line[512], addr[64];
    unsigned lport, st;
    while (fgets(line, sizeof line, in)) {
      if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", addr, &lport, &st) != 3) continue;
      if (st != 0x0A) continue;
      if ((int)lport != port) {
        int dup = 0;
        for (int i = 0; i < nseen; i++) dup |= seen[i] == (int)lport;
        if (!dup && nseen < 16) seen[nseen++] = (int)lport;
        continue;
      }
      int loop = strcmp(addr, "0100007F") == 0 || strcmp(addr, "00000000000000000000000001000000") == 0;
      int v = loop ? 1 : 2;
      if (v > best) best = v;
    }
    fclose(in);
  }
  int used = 0;
  others[0] = 0;
  for (int i = 0; i < nseen; i++) used += snprintf(others + used, 128 - used, "%s%d", i ? "," : "", seen[i]);
  return best;
}

/* ---- pages: the app's process tree's page map (kernel doc admin-guide/mm/pagemap.rst) ---- */
static FILE *pout;
static long plines;

static void pline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pline(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(TAG, pout);
  vfprintf(pout, fmt, ap);
  fputc('\n', pout);
  va_end(ap);
  plines++;
}

/* The parent of pid from /proc/PID/stat (after the ")" that ends the command name), or -1. */
static int parent_of(int pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  int ppid = -1;
  if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1) return -1;
  return ppid;
}

#define MAX_TREE 1024
/* The app and its descendants, the app first. */
static int process_tree(int *out) {
  static int pids[8192], ppids[8192];
  int n = 0, k = 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 8192) {
    int pid = atoi(e->d_name);
    if (pid <= 0) continue;
    pids[n] = pid;
    ppids[n++] = parent_of(pid);
  }
  closedir(d);
  out[k++] = app;
  for (int i = 0; i < k && k < MAX_TREE; i++)
    for (int j = 0; j < n && k < MAX_TREE; j++)
      if (ppids[j] == out[i]) out[k++] = pids[j];
  return k;
}

/*
 * HotSpot's attach mechanism, as jcmd uses it on Linux (jdk.attach's VirtualMachineImpl,
 * hotspot/os/posix/attachListener_posix.cpp): unless the JVM's socket /tmp/.java_pidPID exists,
 * create .attach_pidPID in its working directory (or /tmp) and send SIGQUIT: the JVM then starts
 * its attach listener instead of printing a thread dump. Then connect and send protocol version,
 * command and three arguments, each NUL-terminated; the answer is the result code on one line,
 * then the command's output until the JVM closes the socket.
 */
static int jvm_attach(int pid) {
  char sock[96], trigger[96];
  struct stat st;
  snprintf(sock, sizeof sock, "/proc/%d/root/tmp/.java_pid%d", pid, pid);
  if (stat(sock, &st) != 0) {
    snprintf(trigger, sizeof trigger, "/proc/%d/cwd/.attach_pid%d", pid, pid);
    int fd = open(trigger, O_CREAT | O_WRONLY, 0600);
    if (fd < 0) {
      snprintf(trigger, sizeof trigger, "/tmp/.attach_pid%d", pid);
      fd = open(trigger, O_CREAT | O_WRONLY, 0600);
    }
    if (fd < 0) return -1;
    close(fd);
    kill(pid, SIGQUIT);
    for (int i = 0; i < 300 && stat(sock, &st) != 0; i++) usleep(50000); /* up to 15 s under TCG */
    unlink(trigger);
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
  struct timeval tv = {30, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

/* The NMT level a JVM was started with (its /proc/PID/cmdline), or NULL. */
static const char *nmt_level(int pid) {
  char path[64];
  static char cmd[65536];
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  ssize_t n = read(fd, cmd, sizeof cmd - 1);
  close(fd);
  const char *level = NULL;
  for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1) {
    cmd[n] = 0;
    if (strcmp(cmd + i, "-XX:NativeMemoryTracking=detail") == 0) level = "detail";
    else if (strcmp(cmd + i, "-XX:NativeMemoryTracking=summary") == 0) level = "summary";
    else if (strcmp(cmd + i, "-XX:NativeMemoryTracking=off") == 0) level = NULL;
  }
  return level;
}

/* `jcmd PID VM.native_memory LEVEL` through the attach socket, as pages-nmt lines. */
static void dump_nmt(int pid, const char *level) {
  int s = jvm_attach(pid);
  if (s < 0) {
    pline("pages-nmt %d error: cannot attach to the JVM: %s", pid, strerror(errno));
    return;
  }
  char req[64];
  int len = snprintf(req, sizeof req, "1%cjcmd%cVM.native_memory %s%c%c%c", 0, 0, level, 0, 0, 0);
  if (write(s, req, (size_t)len) != len) {
    pline("pages-nmt %d error: cannot write to the JVM: %s", pid, strerror(errno));
    close(s);
    return;
  }
  FILE *in = fdopen(s, "r");
  static char line[8192];
  int first = 1;
  pline("pages-nmt %d %d:", pid, pid); /* jcmd prints the pid first */
  while (in && fgets(line, sizeof line, in)) {
    size_t l = strlen(line);
    if (l && line[l - 1] == '\n') line[--l] = 0;
    if (first) { /* the result code */
      first = 0;
      if (strcmp(line, "0") != 0) pline("pages-nmt %d error: the JVM answered %s", pid, line);
      continue;
    }
    if (strncmp(line, "Details:", 8) == 0) break;
    pline("pages-nmt %d %s", pid, line);
  }
  if (in) fclose(in);
  else close(s);
}

static long dump_process(int pid) {
  char path[64], exe[4096];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n <= 0) return 0; /* gone, or a kernel thread */
  exe[n] = 0;
  const char *nmt = nmt_level(pid);
  pline("pages-proc %d %s", pid, exe);
  if (nmt) dump_nmt(pid, nmt);
  snprintf(path, sizeof path, "/proc/%d/smaps", pid);
  FILE *smaps = fopen(path, "r");
  snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
  int pm = open(path, O_RDONLY);
  if (!smaps || pm < 0) {
    if (smaps) fclose(smaps);
    if (pm >= 0) close(pm);
    return 0;
  }
  static uint64_t words[4096];
  static char line[8192];
  long pages = 0;
  uint64_t start = 0, end = 0;
  int have = 0;
  while (fgets(line, sizeof line, smaps)) {
    uint64_t s, e;
    long rss;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[--len] = 0;
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &s, &e) == 2 && strchr(line, ' ')) {
      pline("pages-map %s", line);
      start = s, end = e, have = 1;
      continue;
    }
    if (!have || sscanf(line, "Rss: %ld", &rss) != 1) continue;
    have = 0;
    if (rss == 0) continue;
    uint64_t run_v = 0, run_p = 0, run_n = 0, run_b = 0;
    for (uint64_t v = start / 4096; v < end / 4096;) {
      uint64_t want = end / 4096 - v;
      if (want > 4096) want = 4096;
      ssize_t got = pread(pm, words, want * 8, (off_t)(v * 8));
      if (got <= 0) break;
      for (uint64_t i = 0; i < (uint64_t)got / 8; i++) {
        uint64_t w = words[i];
        if (!(w >> 63)) continue;
        pages++;
        uint64_t pfn = w & ((1ULL << 55) - 1), bits = ((w >> 56) & 1) | (((w >> 61) & 1) << 1);
        if (run_n && v + i == run_v + run_n && pfn == run_p + run_n && bits == run_b) {
          run_n++;
          continue;
        }
        if (run_n) pline("pages-run %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64, run_v, run_p, run_n, run_b);
        run_v = v + i, run_p = pfn, run_n = 1, run_b = bits;
      }
      v += (uint64_t)got / 8;
    }
    if (run_n) pline("pages-run %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64, run_v, run_p, run_n, run_b);
  }
  fclose(smaps);
  close(pm);
  return pages;
}

static void pages(void) {
  double t0 = now_ms();
  static char buf[1 << 16];
  int fd = dup(1);
  pout = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!pout) {
    say("error pages: %s", strerror(errno));
    return;
  }
  setvbuf(pout, buf, _IOFBF, sizeof buf);
  plines = 0;
  fputc('\n', pout);
  int tree[MAX_TREE], n = app > 0 ? process_tree(tree) : 0, procs = 0;
  long total = 0;
  for (int i = 0; i < n; i++) {
    long p = dump_process(tree[i]);
    if (p > 0) procs++, total += p;
  }
  FILE *io = fopen("/proc/iomem", "r");
  char line[256];
  while (io && fgets(line, sizeof line, io)) {
    uint64_t s, e;
    char name[128];
    if (sscanf(line, " %" SCNx64 "-%" SCNx64 " : Kernel %127[^\n]", &s, &e, name) == 3) pline("pages-kernel %" PRIx64 " %" PRIx64 " Kernel %s", s, e + 1, name);
  }
  if (io) fclose(io);
  fprintf(pout, TAG "pages-done %d %ld %ld %.1f\n", procs, total, plines, now_ms() - t0);
  fclose(pout);
}

static void restore(char *args) {
  double t0 = now_ms();
  char id[64] = "";
  long long sec = 0, nsec = 0;
  char hex[1025] = "";
  if (sscanf(args, "%63s %lld %lld %1024s", id, &sec, &nsec, hex) != 4) {
    say("error bad restore line");
    return;
  }
  struct timespec ts = {(time_t)sec, (long)nsec};
  if (clock_settime(CLOCK_REALTIME, &ts) != 0) say("warning clock_settime: %s", strerror(errno));
  size_t n = strlen(hex) / 2;
  struct {
    struct rand_pool_info info;
    unsigned char bytes[512];
  } e;
  for (size_t i = 0; i < n && i < sizeof e.bytes; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    e.bytes[i] = (unsigned char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
  }
  e.info.entropy_count = (int)(n * 8);
  e.info.buf_size = (int)n; /* the bytes already sit where info.buf begins */
  int fd = open("/dev/urandom", O_WRONLY);
  if (fd < 0 || ioctl(fd, RNDADDENTROPY, &e.info) != 0) say("warning RNDADDENTROPY: %s", strerror(errno));
  if (fd >= 0 && ioctl(fd, RNDRESEEDCRNG) != 0) say("warning RNDRESEEDCRNG: %s", strerror(errno));
  if (fd >= 0) close(fd);
  if (ack_path) wait_ack();
  say("restored %s %.1f", id, now_ms() - t0);
}

int main(int argc, char **argv) {
  int i = 1;
  while (i < argc && strcmp(argv[i], "--") != 0) i++;
  if (i >= argc - 1) {
    dprintf(2, "thaw-agent: usage: agent -- COMMAND...\n");
    return 2;
  }
  ack_path = getenv("THAW_RESEED_ACK");
  if (ack_path && *ack_path == 0) ack_path = NULL;
  if (ack_path) {
    unlink(ack_path);
    if (mkfifo(ack_path, 0600) != 0) ack_path = NULL;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  /* The console echoes what it reads unless told not to: the host would read its own commands. */
  struct termios t;
  if (tcgetattr(0, &t) == 0) {
    t.c_lflag &= ~(ECHO | ECHONL);
    t.c_lflag |= ICANON;
    t.c_iflag &= ~(ICRNL);
    tcsetattr(0, TCSANOW, &t);
  }
  app = fork();
  if (app == 0) {
    setsid();
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    execvp(argv[i + 1], argv + i + 1);
    dprintf(2, "thaw-agent: cannot run %s: %s\n", argv[i + 1], strerror(errno));
    _exit(127);
  }
  say("started %d", (int)app);
  char line[2048];
  size_t len = 0;
  for (;;) {
    char c;
    ssize_t r = read(0, &c, 1);
    if (r < 0 && errno == EINTR) { reap(); continue; }
    if (r <= 0) { reap(); usleep(100000); continue; }
    if (c == '\r') continue;
    if (c != '\n') {
      if (len < sizeof line - 1) line[len++] = c;
      continue;
    }
    line[len] = 0;
    len = 0;
    reap();
    if (strncmp(line, "restore ", 8) == 0) restore(line + 8);
    else if (strcmp(line, "ping") == 0) say("pong");
    else if (strcmp(line, "pages") == 0) pages();
    else if (strncmp(line, "port ", 5) == 0) {
      char others[128];
      int port = atoi(line + 5), l = listening(port, others);
      say("port %d %s%s%s", port, l == 2 ? "any" : l == 1 ? "loopback" : "none", others[0] ? " " : "", others);
    }
  }
}
