/*
 * libthaw-uffd.so: preloaded (LD_PRELOAD) into a process that maps a memory file, e.g. QEMU with
 *   -object memory-backend-file,id=mem,mem-path=$THAW_UFFD_MEM,share=on,size=…
 * It watches mmap() for the file named by THAW_UFFD_MEM, registers that mapping with a
 * userfaultfd in MISSING mode and hands the uffd, with the mapping's base, length and file
 * offset, to the page server listening on THAW_UFFD_SOCKET (SCM_RIGHTS). From then on every first
 * touch of a page of that mapping blocks until the server fills it. The process needs no patch.
 *
 * MISSING mode works on anonymous and shmem (tmpfs, /dev/shm) mappings only: registering an
 * ext4 file fails with EINVAL (Documentation/admin-guide/mm/userfaultfd.rst).
 *
 * If anything fails the mmap() fails (MAP_FAILED, errno set) with one line on stderr: a process
 * that ran on with an empty memory file would compute on zero pages instead of its snapshot.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "thaw-uffd.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int uffd = -1;
static int sock = -1;
static uint64_t granted;

static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ssize_t w = write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    (void)w;
  }
}

static int is_target(int fd) {
  const char *path = getenv("THAW_UFFD_MEM");
  struct stat a, b;
  if (!path || !*path || fd < 0) return 0;
  if (fstat(fd, &a) != 0 || stat(path, &b) != 0) return 0;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A new userfaultfd: the syscall (root, or vm.unprivileged_userfaultfd=1), then /dev/userfaultfd
 * (Linux 6.1+, access by file mode), then user-mode-only faults (enough for software emulation). */
static int open_uffd(void) {
  int flags = O_CLOEXEC | O_NONBLOCK;
  int fd = (int)syscall(SYS_userfaultfd, flags);
  if (fd >= 0 || errno != EPERM) return fd;
  int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
  if (dev >= 0) {
    fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
    close(dev);
    if (fd >= 0) return fd;
  }
  static int warned;
  fd = (int)syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);
  if (fd >= 0 && !warned++)
    say("thaw-uffd shim: warning: userfaultfd limited to user-mode faults (not root, vm.unprivileged_userfaultfd=0, no access to /dev/userfaultfd); "
        "a page the kernel touches first (KVM, I/O into guest memory) fails with EFAULT: run as root or sysctl vm.unprivileged_userfaultfd=1\n");
  return fd;
}

static int setup_uffd(void) {
  /* UFFDIO_API may be called once per uffd: ask a throw-away one what this kernel offers. */
  struct uffdio_api api = {.api = UFFD_API, .features = 0};
  int probe = open_uffd();
  if (probe < 0) return -1;
  if (ioctl(probe, UFFDIO_API, &api) != 0) {
    close(probe);
    return -1;
  }
  close(probe);
  uint64_t want = UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_EVENT_REMAP | UFFD_FEATURE_MISSING_SHMEM;
  /* No UFFD_FEATURE_EVENT_FORK: a forked child (QEMU's exec: migration) then maps the shared
   * file as it is, without a second uffd context the server would have to serve. */
  granted = api.features & want;
  uffd = open_uffd();
  if (uffd < 0) return -1;
  struct uffdio_api api2 = {.api = UFFD_API, .features = granted};
  if (ioctl(uffd, UFFDIO_API, &api2) != 0) {
    close(uffd);
    uffd = -1;
    return -1;
  }
  return 0;
}

static int connect_server(void) {
  const char *path = getenv("THAW_UFFD_SOCKET");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (!path || strlen(path) >= sizeof addr.sun_path) {
    errno = EINVAL;
    return -1;
  }
  strcpy(addr.sun_path, path);
  /* Close-on-exec, and kept open: the server sees EOF on it when this process exits. */
  sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    close(sock);
    sock = -1;
    errno = e;
    return -1;
  }
  return 0;
}

static int send_region(void *base, size_t len, off_t offset, int with_fd) {
  struct thaw_uffd_region r = {.magic = THAW_UFFD_MAGIC, .version = THAW_UFFD_VERSION, .base = (uintptr_t)base, .len = len, .offset = (uint64_t)offset, .pid = getpid(), .features = (uint32_t)granted};
  struct iovec iov = {.iov_base = &r, .iov_len = sizeof r};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (with_fd) {
    memset(&ctl, 0, sizeof ctl);
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof ctl.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &uffd, sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof r) return -1;
  char ack;
  do n = read(sock, &ack, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) {
    errno = ECONNRESET;
    return -1;
  }
  return 0;
}

/* Register [base, base+len) mapped at file offset `offset`; 0 or -1 with errno set. */
static int serve(void *base, size_t len, off_t offset) {
  const char *step = "connect to THAW_UFFD_SOCKET";
  int first = uffd < 0, registered = 0;
  if (sock < 0 && connect_server() != 0) goto fail;
  step = "userfaultfd";
  if (first && setup_uffd() != 0) goto fail;
  step = "UFFDIO_REGISTER (MISSING mode needs a shmem file such as one in /dev/shm)";
  struct uffdio_register reg = {.range = {.start = (uintptr_t)base, .len = len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) goto fail;
  registered = 1;
  step = "hand the uffd to the page server";
  if (send_region(base, len, offset, first) != 0) goto fail;
  return 0;
fail:;
  int e = errno;
  /* Unregistered first: munmap of a registered range waits until a server reads the UNMAP event. */
  if (registered) ioctl(uffd, UFFDIO_UNREGISTER, &reg.range);
  say("thaw-uffd shim: %s failed for %s: %s\n", step, getenv("THAW_UFFD_MEM"), strerror(e));
  errno = e;
  return -1;
}

static void *wrap(mmap_fn real, void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  if (!(flags & MAP_SHARED) || !is_target(fd)) return real(addr, len, prot, flags, fd, offset);
  pthread_mutex_lock(&lock);
  void *p = real(addr, len, prot, flags, fd, offset);
  if (p != MAP_FAILED && serve(p, len, offset) != 0) {
    int e = errno;
    munmap(p, len);
    p = MAP_FAILED;
    errno = e;
  }
  pthread_mutex_unlock(&lock);
  return p;
}

static mmap_fn real_mmap, real_mmap64;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  if (!real_mmap) real_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
  return wrap(real_mmap, addr, len, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  if (!real_mmap64) real_mmap64 = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
  return wrap(real_mmap64, addr, len, prot, flags, fd, offset);
}
