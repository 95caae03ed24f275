/*
 * thaw-uffd-touch: the page server's test client. Run with libthaw-uffd.so preloaded, it maps
 * MEM_FILE shared (as QEMU maps guest RAM), waits DELAY ms (a process's own start-up), then reads
 * the pages of ORDER one by one, in that order, and checks each equals the same page of SNAPSHOT
 * (zeros past its end). With --threads N, N threads read ORDER at once (racing for the same
 * pages, as a VM's vCPUs do). With --remove it then discards the first page of ORDER
 * (MADV_REMOVE) and checks that it reads back as zeros, not as the snapshot.
 *
 *   thaw-uffd-touch [--delay-ms N] [--threads N] [--write] [--remove] MEM_FILE SNAPSHOT ORDER
 *
 * ORDER is page indexes and ranges: `3,0-2,9`. Prints one JSON line; exits 1 on a mismatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "thaw-uffd-touch: %s: %s\n", what, strerror(errno));
  exit(2);
}

struct job {
  uint8_t *m;
  size_t len;
  long ps;
  int snap;
  const char *order;
  int do_write;
  size_t pages, bad;
  long first;
  int failed;
};

static void *reader(void *arg) {
  struct job *j = arg;
  long ps = j->ps;
  uint8_t *want = malloc((size_t)ps);
  char *spec = strdup(j->order);
  char *save = NULL;
  for (char *tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *dash = strchr(tok, '-');
    long a = atol(tok), b = dash ? atol(dash + 1) : a;
    for (long p = a; p <= b; p++) {
      if ((size_t)(p + 1) * (size_t)ps > j->len) {
        fprintf(stderr, "thaw-uffd-touch: page %ld is past the end of the memory file\n", p);
        j->failed = 1;
        return NULL;
      }
      if (j->first < 0) j->first = p;
      ssize_t got = pread(j->snap, want, (size_t)ps, p * ps);
      if (got < 0) die("pread");
      memset(want + got, 0, (size_t)(ps - got));
      volatile uint8_t *page = j->m + p * ps;
      if (j->do_write) page[0] = want[0];
      if (memcmp((const void *)page, want, (size_t)ps) != 0) {
        if (j->bad < 5) fprintf(stderr, "thaw-uffd-touch: page %ld differs from the snapshot\n", p);
        j->bad++;
      }
      j->pages++;
    }
  }
  free(spec);
  free(want);
  return NULL;
}

int main(int argc, char **argv) {
  long delay = 0;
  int threads = 1;
  int do_write = 0, do_remove = 0;
  const char *args[3];
  int na = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc) delay = atol(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--write")) do_write = 1;
    else if (!strcmp(argv[i], "--remove")) do_remove = 1;
    else if (na < 3) args[na++] = argv[i];
  }
  if (na != 3) {
    fprintf(stderr, "usage: thaw-uffd-touch [--delay-ms N] [--threads N] [--write] [--remove] MEM_FILE SNAPSHOT ORDER\n");
    return 2;
  }
  long ps = sysconf(_SC_PAGESIZE);
  int fd = open(args[0], O_RDWR);
  if (fd < 0) die(args[0]);
  struct stat sb;
  if (fstat(fd, &sb) != 0) die(args[0]);
  size_t len = (size_t)sb.st_size;
  uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) die("mmap");
  int snap = open(args[1], O_RDONLY);
  if (snap < 0) die(args[1]);
  if (delay > 0) usleep((useconds_t)delay * 1000);

  struct job job = {.m = m, .len = len, .ps = ps, .snap = snap, .order = args[2], .do_write = do_write, .first = -1};
  struct job jobs[64];
  pthread_t tids[64];
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  double t0 = now_ms();
  for (int i = 0; i < threads; i++) {
    jobs[i] = job;
    if (pthread_create(&tids[i], NULL, reader, &jobs[i]) != 0) die("pthread_create");
  }
  size_t pages = 0, bad = 0;
  long first = -1;
  for (int i = 0; i < threads; i++) {
    pthread_join(tids[i], NULL);
    if (jobs[i].failed) return 2;
    pages += jobs[i].pages;
    bad += jobs[i].bad;
    first = jobs[i].first;
  }
  double ms = now_ms() - t0;
  int removed_zero = -1;
  if (do_remove && first >= 0) {
    if (madvise(m + first * ps, (size_t)ps, MADV_REMOVE) != 0) die("madvise(MADV_REMOVE)");
    removed_zero = 1;
    for (long i = 0; i < ps; i++)
      if (m[first * ps + i]) removed_zero = 0;
  }
  printf("{\"pages\":%zu,\"mismatches\":%zu,\"touchMs\":%.3f,\"removedReadsZero\":%s}\n", pages, bad, ms, removed_zero < 0 ? "null" : removed_zero ? "true" : "false");
  munmap(m, len);
  return bad || removed_zero == 0 ? 1 : 0;
}
