/*
 * certdrill-clock's own parts, tested in C against this machine's kernel:
 * offset parsing, and reading the running process's vDSO the way the
 * supervisor plans its redirect. Built and run by test/unit/clock-shim-c.test.ts
 * with the Debian compiler; prints one line per failure and exits 1 if any.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../../src/clock/shim/offset.h"
#include "../../src/clock/shim/vdso.h"

static int failures;

#define CHECK(condition, ...)          \
  do {                                 \
    if (!(condition)) {                \
      failures++;                      \
      printf("FAIL: " __VA_ARGS__);    \
      printf("\n");                    \
    }                                  \
  } while (0)

static void offset_parses(const char *text, long long expected) {
  long long seconds = -12345;
  enum offset_problem problem = parse_offset(text, &seconds);
  CHECK(problem == OFFSET_OK && seconds == expected, "parse_offset(\"%s\"): problem %d, %lld seconds; expected %lld", text, problem, seconds, expected);
}

static void offset_refused(const char *text, enum offset_problem expected) {
  long long seconds = -12345;
  enum offset_problem problem = parse_offset(text, &seconds);
  CHECK(problem == expected && seconds == -12345, "parse_offset(\"%s\"): problem %d (%s), seconds %lld; expected problem %d and nothing written", text, problem, offset_problem_words(problem), seconds, expected);
}

static void test_offsets(void) {
  offset_parses("+31536000", 31536000);
  offset_parses("+0", 0);
  offset_parses("-7200", -7200);
  offset_parses("+1y", 31536000);
  offset_parses("+31d\n", 31 * 86400);
  offset_parses(" -2h", -7200);
  offset_parses("+90m\r\n", 5400);
  offset_parses("+1.5d", 129600);
  offset_parses("+100000000000", 100000000000LL);
  offset_refused("31536000", OFFSET_NOT_AN_OFFSET);
  offset_refused("", OFFSET_NOT_AN_OFFSET);
  offset_refused("+", OFFSET_NOT_AN_OFFSET);
  offset_refused("+31x", OFFSET_NOT_AN_OFFSET);
  offset_refused("+31 days", OFFSET_NOT_AN_OFFSET);
  offset_refused("+nan", OFFSET_NOT_FINITE);
  offset_refused("-NaN", OFFSET_NOT_FINITE);
  offset_refused("+inf", OFFSET_OUT_OF_RANGE);
  offset_refused("-infinity", OFFSET_OUT_OF_RANGE);
  offset_refused("+1e400", OFFSET_OUT_OF_RANGE);
  offset_refused("+100000000001", OFFSET_OUT_OF_RANGE);
  offset_refused("+1e19", OFFSET_OUT_OF_RANGE);
  offset_refused("-4000y", OFFSET_OUT_OF_RANGE);
}

#if defined(__x86_64__)
static unsigned long vdso_size(unsigned long base) {
  FILE *maps = fopen("/proc/self/maps", "re");
  char line[512];
  unsigned long size = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long from, to;
    if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &from, &to) == 2 && from == base) size = to - from;
  }
  if (maps) fclose(maps);
  return size;
}

/* The functions found in this process's vDSO are the kernel's: called, they give the time a system call gives. */
static void test_vdso(void) {
  unsigned long base = getauxval(AT_SYSINFO_EHDR);
  CHECK(base != 0, "no vDSO in this process (AT_SYSINFO_EHDR)");
  if (!base) return;
  struct vdso_elf elf;
  int read = vdso_read_elf((const unsigned char *)base, vdso_size(base), &elf);
  CHECK(read == 0, "vdso_read_elf could not read this kernel's vDSO");
  if (read != 0) return;
  CHECK(elf.symbol_count > 3 && elf.used > 0 && elf.used < vdso_size(base), "vdso_read_elf: %lu symbols, %lu bytes used of %lu", elf.symbol_count, elf.used, vdso_size(base));
  int (*gettime)(clockid_t, struct timespec *) = (void *)(base + elf.clock_gettime);
  int (*gettimeofday_fn)(struct timeval *, void *) = (void *)(base + elf.gettimeofday);
  time_t (*time_fn)(time_t *) = (void *)(base + elf.time);
  struct timespec by_vdso, by_syscall;
  struct timeval tv;
  CHECK(gettime(CLOCK_REALTIME, &by_vdso) == 0, "the vDSO's clock_gettime failed");
  syscall(SYS_clock_gettime, CLOCK_REALTIME, &by_syscall);
  long long apart = (long long)by_syscall.tv_sec - (long long)by_vdso.tv_sec;
  CHECK(apart >= 0 && apart <= 1, "the vDSO's clock_gettime read %lld, the system call %lld", (long long)by_vdso.tv_sec, (long long)by_syscall.tv_sec);
  CHECK(gettimeofday_fn(&tv, NULL) == 0 && (long long)tv.tv_sec - (long long)by_syscall.tv_sec <= 1 && (long long)tv.tv_sec >= (long long)by_syscall.tv_sec, "the vDSO's gettimeofday read %lld", (long long)tv.tv_sec);
  time_t t = time_fn(NULL);
  /* time() reads the coarse clock, which lags the precise one by up to a tick: across a second's boundary it may still say the one before. */
  long long since = (long long)t - (long long)by_syscall.tv_sec;
  CHECK(since >= -1 && since <= 1, "the vDSO's time read %lld, the system call %lld", (long long)t, (long long)by_syscall.tv_sec);
}
#endif

int main(void) {
  test_offsets();
#if defined(__x86_64__)
  test_vdso();
#endif
  printf("%s\n", failures ? "failed" : "ok");
  return failures ? 1 : 0;
}
