/*
 * thaw-uffd: a userfaultfd page server. It listens on SOCKET for libthaw-uffd.so (preloaded into
 * the process being restored), receives its uffd and the registered mapping, and fills every
 * page that process touches from MEM_FILE (the snapshot's RAM, mapped read-only) with
 * UFFDIO_COPY, or UFFDIO_ZEROPAGE for a page that is all zero there.
 *
 *   thaw-uffd [--log FILE] [--times] [--prefetch LIST] [--fill-rest] SOCKET MEM_FILE
 *
 * The log has fireCRaCer's uffd handler format (tools/uffd/src/uffd_utils.rs), one line a page:
 *   UFFD_EVENT_PAGEFAULT (r): [1234] 0x00007f0000001000 0x00007f0000001000  Loading: 0x0000000000001000 - 0x0000000000002000
 * fault address, its page, then the MEM_FILE range served (the guest physical range when the
 * file is a VM's RAM from address 0). --times appends `  t=1.234ms` (since the process connected;
 * the `Connected to PID N at monotonic 12345.678ms` line gives that moment on CLOCK_MONOTONIC).
 * Pages copied ahead by --prefetch are logged as
 *   UFFD_PREFETCH: 0x00007f0000001000  Loading: 0x0000000000001000 - 0x0000000000002000
 * LIST is an earlier log (its Loading/Zeroing ranges, in order: REAP's record & prefetch) or one
 * file offset a line. Prefetching runs beside demand faults, which always go first. --fill-rest
 * then copies every page not served yet, in the background (one log line at the end), so the
 * process never faults again and its memory file becomes a whole copy of the snapshot.
 *
 * stdout: `listening SOCKET` once ready, and a JSON line of counts at exit. The server exits when
 * the served process closes its socket (it exited), or on SIGTERM/SIGINT, flushing the log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "thaw-uffd.h"

#define MAX_REGIONS 64

struct region {
  uint64_t base, len, offset;
};

static struct region regions[MAX_REGIONS];
static int nregions;
static uint64_t page_size;
static const uint8_t *mem;  /* MEM_FILE, read-only */
static uint64_t mem_size;
static uint8_t *served;     /* one bit per file page: filled already */
static uint8_t *removed;    /* one bit per file page: discarded (MADV_REMOVE …): serve zero */
static uint64_t npages;     /* bits in the two maps */
static FILE *logf;
static int times;
static struct timespec t0;
static volatile sig_atomic_t stopping;

static struct {
  uint64_t faults, loaded, zeroed, prefetched, prefetch_zeroed, filled, exists, removes, unmaps, remaps, unknown;
  double prefetch_ms, fill_ms;
} st;

static uint64_t *prefetch;
static size_t nprefetch, prefetch_at;
static struct timespec prefetch_t0;
static int fill_rest;           /* --fill-rest: after the list, copy every page not served yet */
static int fill_region;         /* the region being filled, and the next offset in it */
static uint64_t fill_at;

static void die(const char *what) {
  fprintf(stderr, "thaw-uffd: %s: %s\n", what, strerror(errno));
  exit(1);
}

static double ms_since(const struct timespec *a) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - a->tv_sec) * 1e3 + (double)(now.tv_nsec - a->tv_nsec) / 1e6;
}

static void stamp(void) {
  if (times) fprintf(logf, "  t=%.3fms", ms_since(&t0));
  fputc('\n', logf);
}

static int bit(const uint8_t *map, uint64_t i) { return i < npages && (map[i >> 3] >> (i & 7)) & 1; }
static void set_bit(uint8_t *map, uint64_t i) {
  if (i < npages) map[i >> 3] |= (uint8_t)(1u << (i & 7));
}
static void clear_bit(uint8_t *map, uint64_t i) {
  if (i < npages) map[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static void grow_maps(uint64_t pages) {
  if (pages <= npages) return;
  uint64_t bytes = (pages + 7) / 8, old = (npages + 7) / 8;
  served = realloc(served, bytes);
  removed = realloc(removed, bytes);
  if (!served || !removed) die("out of memory");
  memset(served + old, 0, bytes - old);
  memset(removed + old, 0, bytes - old);
  npages = pages;
}

static struct region *by_addr(uint64_t addr) {
  for (int i = 0; i < nregions; i++)
    if (addr >= regions[i].base && addr < regions[i].base + regions[i].len) return &regions[i];
  return NULL;
}

static struct region *by_offset(uint64_t off) {
  for (int i = 0; i < nregions; i++)
    if (off >= regions[i].offset && off < regions[i].offset + regions[i].len) return &regions[i];
  return NULL;
}

static int zero_page(uint64_t off) {
  if (off >= mem_size) return 1;
  const uint64_t *p = (const uint64_t *)(mem + off);
  for (uint64_t i = 0; i < page_size / 8; i++)
    if (p[i]) return 0;
  return 1;
}

/* Fill the page at host address `page` (file offset `off`): 1 done, 0 someone else filled it
 * first (EEXIST), -1 retry later (EAGAIN: the mapping is changing, events are pending). */
static int fill(int uffd, uint64_t page, uint64_t off, int *zeroed) {
  *zeroed = bit(removed, off / page_size) || zero_page(off);
  int r;
  if (*zeroed) {
    struct uffdio_zeropage z = {.range = {.start = page, .len = page_size}};
    r = ioctl(uffd, UFFDIO_ZEROPAGE, &z);
  } else {
    struct uffdio_copy c = {.dst = page, .src = (uintptr_t)(mem + off), .len = page_size};
    r = ioctl(uffd, UFFDIO_COPY, &c);
  }
  if (r == 0) return 1;
  if (errno == EEXIST) {
    /* Filled between the fault and now: wake whoever still waits on it. */
    struct uffdio_range w = {.start = page, .len = page_size};
    ioctl(uffd, UFFDIO_WAKE, &w);
    st.exists++;
    return 0;
  }
  if (errno == EAGAIN) return -1;
  if (errno == ENOENT || errno == ESRCH) return 0; /* unmapped meanwhile, or the process exited */
  die(*zeroed ? "UFFDIO_ZEROPAGE" : "UFFDIO_COPY");
  return -1;
}

/* Returns 0 when the fault must be retried after reading pending events. */
static int on_fault(int uffd, const struct uffd_msg *m) {
  uint64_t addr = m->arg.pagefault.address, page = addr & ~(page_size - 1);
  struct region *r = by_addr(page);
  if (!r) {
    st.unknown++;
    fprintf(stderr, "thaw-uffd: fault at 0x%" PRIx64 " outside every registered mapping\n", addr);
    return 1;
  }
  uint64_t off = r->offset + (page - r->base);
  int zeroed, done = fill(uffd, page, off, &zeroed);
  if (done < 0) return 0;
  if (done == 0) return 1;
  set_bit(served, off / page_size);
  st.faults++;
  if (zeroed) st.zeroed++;
  else st.loaded++;
  char rw = m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE ? 'w' : 'r';
  fprintf(logf, "UFFD_EVENT_PAGEFAULT (%c): ", rw);
  if (m->arg.pagefault.feat.ptid) fprintf(logf, "[%u] ", m->arg.pagefault.feat.ptid);
  fprintf(logf, "0x%016" PRIx64 " 0x%016" PRIx64 "  %s: 0x%016" PRIx64 " - 0x%016" PRIx64, addr, page, zeroed ? "Zeroing" : "Loading", off, off + page_size);
  stamp();
  return 1;
}

static void on_remove(uint64_t start, uint64_t end, const char *what, int discarded) {
  fprintf(logf, "%s: 0x%016" PRIx64 " - 0x%016" PRIx64, what, start, end);
  stamp();
  for (uint64_t a = start & ~(page_size - 1); a < end; a += page_size) {
    struct region *r = by_addr(a);
    if (!r) continue;
    uint64_t i = (r->offset + a - r->base) / page_size;
    /* The process threw these pages away: touching them again must read zeros, not the snapshot. */
    clear_bit(served, i);
    if (discarded) set_bit(removed, i);
  }
}

static void on_unmap(uint64_t start, uint64_t end) {
  on_remove(start, end, "UFFD_EVENT_UNMAP", 0);
  for (int i = 0; i < nregions; i++) {
    struct region *r = &regions[i];
    if (start <= r->base && end >= r->base + r->len) {
      regions[i--] = regions[--nregions];
    } else if (start <= r->base && end > r->base) {
      r->offset += end - r->base;
      r->len -= end - r->base;
      r->base = end;
    } else if (start < r->base + r->len && end >= r->base + r->len) {
      r->len = start - r->base;
    }
  }
}

/* Faults whose fill met EAGAIN (the mapping is changing: events are pending), kept until served. */
static struct uffd_msg *retry;
static size_t nretry, cap_retry;

/* Drain the uffd: faults, and the events that change the mapping. */
static void serve_uffd(int uffd) {
  struct uffd_msg msgs[64];
  for (;;) {
    ssize_t n = read(uffd, msgs, sizeof msgs);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) die("read uffd");
      n = 0;
    }
    for (size_t i = 0; i < (size_t)n / sizeof msgs[0]; i++) {
      struct uffd_msg *m = &msgs[i];
      switch (m->event) {
      case UFFD_EVENT_PAGEFAULT:
        if (!on_fault(uffd, m)) {
          if (nretry == cap_retry && !(retry = realloc(retry, (cap_retry = cap_retry ? 2 * cap_retry : 64) * sizeof *retry))) die("out of memory");
          retry[nretry++] = *m;
        }
        break;
      case UFFD_EVENT_REMOVE:
        st.removes++;
        on_remove(m->arg.remove.start, m->arg.remove.end, "UFFD_EVENT_REMOVE", 1);
        break;
      case UFFD_EVENT_UNMAP:
        st.unmaps++;
        on_unmap(m->arg.remove.start, m->arg.remove.end);
        break;
      case UFFD_EVENT_REMAP: {
        st.remaps++;
        struct region *r = by_addr(m->arg.remap.from);
        fprintf(logf, "UFFD_EVENT_REMAP: 0x%016" PRIx64 " -> 0x%016" PRIx64 " (%" PRIu64 " bytes)", (uint64_t)m->arg.remap.from, (uint64_t)m->arg.remap.to, (uint64_t)m->arg.remap.len);
        stamp();
        if (r && r->base == m->arg.remap.from) {
          r->base = m->arg.remap.to;
          r->len = m->arg.remap.len;
        }
        break;
      }
      case UFFD_EVENT_FORK:
        /* Not requested; should a kernel send one anyway, the child's memory is not ours. */
        close((int)m->arg.fork.ufd);
        break;
      }
    }
    for (size_t j = 0; j < nretry;)
      if (on_fault(uffd, &retry[j])) retry[j] = retry[--nretry];
      else j++;
    if (n > 0) continue; /* more may be queued */
    if (!nretry) break;
    /* The events the retried faults wait for are not readable yet: yield, then read again. */
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
}

/* Copy the next `batch` pages of the prefetch list; 1 while some remain. */
static int prefetch_some(int uffd, int batch) {
  while (batch > 0 && prefetch_at < nprefetch) {
    uint64_t off = prefetch[prefetch_at];
    struct region *r = by_offset(off);
    if (!r || bit(served, off / page_size) || bit(removed, off / page_size)) {
      prefetch_at++;
      continue;
    }
    uint64_t page = r->base + (off - r->offset);
    int zeroed, done = fill(uffd, page, off, &zeroed);
    if (done < 0) return 1; /* events pending: the main loop reads them first */
    prefetch_at++;
    batch--;
    set_bit(served, off / page_size);
    if (done == 0) continue;
    st.prefetched++;
    if (zeroed) st.prefetch_zeroed++;
    fprintf(logf, "UFFD_PREFETCH: 0x%016" PRIx64 "  %s: 0x%016" PRIx64 " - 0x%016" PRIx64, page, zeroed ? "Zeroing" : "Loading", off, off + page_size);
    stamp();
  }
  if (prefetch_at < nprefetch) return 1;
  if (nprefetch) {
    st.prefetch_ms = ms_since(&prefetch_t0);
    fprintf(logf, "Prefetch done: %" PRIu64 " pages in %.3f ms\n", st.prefetched, st.prefetch_ms);
    nprefetch = 0;
  }
  return 0;
}

/* --fill-rest: copy the next `batch` pages no one has touched, region by region; 1 while some remain.
 * Not logged page by page (they are no working set): one line when done. */
static int fill_some(int uffd, int batch) {
  while (batch > 0 && fill_region < nregions) {
    struct region *r = &regions[fill_region];
    if (fill_at < r->offset) fill_at = r->offset;
    if (fill_at >= r->offset + r->len) {
      fill_region++;
      continue;
    }
    uint64_t off = fill_at;
    if (bit(served, off / page_size) || bit(removed, off / page_size)) {
      fill_at += page_size;
      continue;
    }
    int zeroed, done = fill(uffd, r->base + (off - r->offset), off, &zeroed);
    if (done < 0) return 1;
    fill_at += page_size;
    batch--;
    set_bit(served, off / page_size);
    if (done > 0) st.filled++;
  }
  if (fill_region < nregions) return 1;
  st.fill_ms = ms_since(&prefetch_t0);
  fprintf(logf, "Filled the rest: %" PRIu64 " pages, done %.3f ms after the registration\n", st.filled, st.fill_ms);
  fill_rest = 0;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void read_prefetch(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die(path);
  size_t cap = 4096;
  prefetch = malloc(cap * sizeof *prefetch);
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    const char *p = strstr(line, "Loading: 0x");
    if (!p) p = strstr(line, "Zeroing: 0x");
    char *end;
    uint64_t off;
    if (p) off = strtoull(p + 9, &end, 16);
    else {
      const char *s = line;
      while (*s == ' ' || *s == '\t') s++;
      if (!(*s >= '0' && *s <= '9')) continue;
      off = strtoull(s, &end, 0);
      if (*end && *end != '\n' && *end != '\r' && *end != ' ') continue;
    }
    if (nprefetch == cap) prefetch = realloc(prefetch, (cap *= 2) * sizeof *prefetch);
    if (!prefetch) die("out of memory");
    prefetch[nprefetch++] = off & ~(page_size - 1);
  }
  fclose(f);
  /* Keep the recorded order, drop repeats (a page removed and faulted again is logged twice). */
  uint64_t *sorted = malloc(nprefetch * sizeof *sorted + 1);
  memcpy(sorted, prefetch, nprefetch * sizeof *sorted);
  qsort(sorted, nprefetch, sizeof *sorted, cmp_u64);
  uint64_t maxp = nprefetch ? sorted[nprefetch - 1] / page_size + 1 : 0;
  free(sorted);
  uint8_t *seen = calloc(maxp / 8 + 1, 1);
  size_t k = 0;
  for (size_t i = 0; i < nprefetch; i++) {
    uint64_t p = prefetch[i] / page_size;
    if (seen[p >> 3] >> (p & 7) & 1) continue;
    seen[p >> 3] |= (uint8_t)(1u << (p & 7));
    prefetch[k++] = prefetch[i];
  }
  free(seen);
  nprefetch = k;
}

/* One registration message (and, on the first, the uffd); 0 at EOF. */
static int on_client(int conn, int *uffd) {
  struct thaw_uffd_region r;
  struct iovec iov = {.iov_base = &r, .iov_len = sizeof r};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  if (n != (ssize_t)sizeof r || r.magic != THAW_UFFD_MAGIC || r.version != THAW_UFFD_VERSION) {
    fprintf(stderr, "thaw-uffd: a client sent something other than a libthaw-uffd.so registration\n");
    return 0;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      if (*uffd < 0) {
        *uffd = fd;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        // The connection's CLOCK_MONOTONIC time, origin of every t=: lets a reader place
        // events timed on that clock (a readiness probe) on the log's timeline.
        if (times) fprintf(logf, "Connected to PID %d at monotonic %.3fms\n", r.pid, t0.tv_sec * 1e3 + t0.tv_nsec / 1e6);
        else fprintf(logf, "Connected to PID %d\n", r.pid);
      } else close(fd);
    }
  }
  if (*uffd < 0 || nregions == MAX_REGIONS) {
    fprintf(stderr, "thaw-uffd: %s\n", *uffd < 0 ? "registration without a userfaultfd" : "too many mappings");
    return 0;
  }
  regions[nregions++] = (struct region){.base = r.base, .len = r.len, .offset = r.offset};
  grow_maps((r.offset + r.len + page_size - 1) / page_size);
  fprintf(logf, "Segment: base 0x%016" PRIx64 " length 0x%" PRIx64 " file offset 0x%" PRIx64 "\n", r.base, r.len, r.offset);
  char ack = 1;
  if (write(conn, &ack, 1) != 1) return 0;
  if (nregions == 1) clock_gettime(CLOCK_MONOTONIC, &prefetch_t0);
  return 1;
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void usage(void) {
  fprintf(stderr, "usage: thaw-uffd [--log FILE] [--times] [--prefetch LIST] [--fill-rest] SOCKET MEM_FILE\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *log_path = NULL, *prefetch_path = NULL, *sock_path = NULL, *mem_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--log") && i + 1 < argc) log_path = argv[++i];
    else if (!strcmp(argv[i], "--prefetch") && i + 1 < argc) prefetch_path = argv[++i];
    else if (!strcmp(argv[i], "--times")) times = 1;
    else if (!strcmp(argv[i], "--fill-rest")) fill_rest = 1;
    else if (!strcmp(argv[i], "-v")) continue; /* fireCRaCer's verbose flag: logging is always on */
    else if (argv[i][0] == '-') usage();
    else if (!sock_path) sock_path = argv[i];
    else if (!mem_path) mem_path = argv[i];
    else usage();
  }
  if (!sock_path || !mem_path) usage();
  page_size = (uint64_t)sysconf(_SC_PAGESIZE);
  logf = log_path ? fopen(log_path, "w") : stdout;
  if (!logf) die(log_path);
  setvbuf(logf, NULL, _IOFBF, 1 << 16);

  int memfd = open(mem_path, O_RDONLY | O_CLOEXEC);
  if (memfd < 0) die(mem_path);
  struct stat sb;
  if (fstat(memfd, &sb) != 0) die(mem_path);
  mem_size = (uint64_t)sb.st_size;
  if (mem_size) {
    mem = mmap(NULL, mem_size, PROT_READ, MAP_PRIVATE, memfd, 0);
    if (mem == MAP_FAILED) die(mem_path);
  }
  close(memfd);
  grow_maps((mem_size + page_size - 1) / page_size);
  if (prefetch_path) read_prefetch(prefetch_path);

  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(sock_path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    die(sock_path);
  }
  strcpy(addr.sun_path, sock_path);
  int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lsock < 0) die("socket");
  if (bind(lsock, (struct sockaddr *)&addr, sizeof addr) != 0) die(sock_path);
  if (listen(lsock, 4) != 0) die("listen");

  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("listening %s\n", sock_path);
  fflush(stdout);

  int conn = -1, uffd = -1, done = 0;
  while (!stopping && !done) {
    struct pollfd p[2];
    int np = 0;
    p[np++] = (struct pollfd){.fd = conn < 0 ? lsock : conn, .events = POLLIN};
    if (uffd >= 0) p[np++] = (struct pollfd){.fd = uffd, .events = POLLIN};
    int pending = uffd >= 0 && nregions && (nprefetch || fill_rest);
    /* The log is flushed when the server idles (no event for 100 ms), off every fault's path. */
    int n = poll(p, (nfds_t)np, pending ? 0 : 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (np > 1 && p[1].revents & POLLIN) serve_uffd(uffd);
    if (p[0].revents) {
      if (conn < 0) {
        conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) close(lsock), lsock = -1, unlink(sock_path);
      } else if (!on_client(conn, &uffd)) {
        /* EOF: the served process exited (or broke the protocol). Serve what is still queued. */
        if (uffd >= 0) serve_uffd(uffd);
        done = 1;
      }
    }
    if (pending && !done) {
      if (nprefetch) prefetch_some(uffd, 32);
      else fill_some(uffd, 32);
    }
    if (n == 0 && !pending) fflush(logf);
  }
  if (lsock >= 0) unlink(sock_path);
  if (nprefetch && prefetch_at < nprefetch) st.prefetch_ms = ms_since(&prefetch_t0);
  fflush(logf);
  if (logf != stdout) fclose(logf);
  printf("{\"faults\":%" PRIu64 ",\"loaded\":%" PRIu64 ",\"zeroed\":%" PRIu64 ",\"prefetched\":%" PRIu64 ",\"prefetchZeroed\":%" PRIu64 ",\"prefetchMs\":%.3f,\"filled\":%" PRIu64 ",\"fillMs\":%.3f,\"eexist\":%" PRIu64 ",\"removes\":%" PRIu64
         ",\"unmaps\":%" PRIu64 ",\"remaps\":%" PRIu64 ",\"unknown\":%" PRIu64 ",\"servedMs\":%.3f}\n",
         st.faults, st.loaded, st.zeroed, st.prefetched, st.prefetch_zeroed, st.prefetch_ms, st.filled, st.fill_ms, st.exists, st.removes, st.unmaps, st.remaps, st.unknown, t0.tv_sec ? ms_since(&t0) : 0.0);
  return 0;
}
