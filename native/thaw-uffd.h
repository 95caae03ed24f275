/*
 * The wire contract between libthaw-uffd.so (preloaded into the process whose memory is served,
 * e.g. QEMU) and thaw-uffd (the page server): one message per registered mapping over a unix
 * stream socket, the userfaultfd itself passed with SCM_RIGHTS on the first message, and one
 * byte back once the server knows the mapping (so no fault can name an address it has not heard of).
 */
#ifndef THAW_UFFD_H
#define THAW_UFFD_H
#include <stdint.h>

#define THAW_UFFD_MAGIC 0x74756666u /* "tuff" */
#define THAW_UFFD_VERSION 1u

struct thaw_uffd_region {
  uint32_t magic;
  uint32_t version;
  uint64_t base;   /* host virtual address of the mapping */
  uint64_t len;    /* bytes */
  uint64_t offset; /* file offset mapped at base */
  int32_t pid;     /* the process that mapped it */
  uint32_t features; /* UFFDIO_API features granted to the uffd */
};

#endif
