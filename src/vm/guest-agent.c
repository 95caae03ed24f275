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
 *                             every restore of one snapshot reads the same /dev/urandom), then
 *                             signal the app (SIGPWR) when it asked for it with THAW_RESEED_ACK
 *                             and wait for its acknowledgement on that FIFO.
 *                             Answer: "restored ID MS" (MS: time the agent took).
 *   ping                      answer "pong": the agent reads the console.
 *   port N                    how the app listens on TCP port N: "port N any" (all
 *                             interfaces: the host's forward reaches it), "port N loopback"
 *                             (127.0.0.1/::1 only: unreachable from the host) or "port N none".
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
#include <sys/wait.h>
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

/* Wait (at most 5 s) until the app writes a line to the acknowledgement FIFO. */
static void wait_ack(void) {
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

/* The LISTEN sockets on `port` in /proc/net/tcp and tcp6: 2 any address, 1 loopback only, 0 none. */
static int listening(int port) {
  int best = 0;
  const char *files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
  for (int f = 0; f < 2; f++) {
    FILE *in = fopen(files[f], "r");
    if (!in) continue;
    char line[512], addr[64];
    unsigned lport, st;
    while (fgets(line, sizeof line, in)) {
      if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", addr, &lport, &st) != 3) continue;
      if ((int)lport != port || st != 0x0A) continue;
      int loop = strcmp(addr, "0100007F") == 0 || strcmp(addr, "00000000000000000000000001000000") == 0;
      int v = loop ? 1 : 2;
      if (v > best) best = v;
    }
    fclose(in);
  }
  return best;
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
    else if (strncmp(line, "port ", 5) == 0) {
      int port = atoi(line + 5), l = listening(port);
      say("port %d %s", port, l == 2 ? "any" : l == 1 ? "loopback" : "none");
    }
  }
}
