/*
 * certdrill-clock: run a command with its own wall clock, one that reaches Go.
 *
 *   certdrill-clock [-f CLOCK_FILE] [-s STATS_FILE] [--] PROGRAM [ARG...]
 *
 * libfaketime moves the clock of programs that ask libc for the time. Go does
 * not: its runtime reads the time through the vDSO, code the kernel maps into
 * every process, so no system call and no library call is ever made. This
 * program takes over the vDSO's real-time reads of every program it starts:
 *
 * 1. The child installs a seccomp filter that turns clock_gettime for the
 *    real-time clocks (CLOCK_REALTIME, CLOCK_REALTIME_COARSE), gettimeofday
 *    and time, and execve and execveat, into user notifications
 *    (SECCOMP_FILTER_FLAG_NEW_LISTENER), and hands the listener to this
 *    supervisor. Filters are inherited by every thread and child and survive
 *    exec, so the whole process tree is covered; monotonic clocks are left
 *    alone, as libfaketime's DONT_FAKE_MONOTONIC does (the BEAM and Go's
 *    timers need them steady).
 * 2. At every exec in the tree the supervisor attaches to the caller with
 *    ptrace for just that exec (PTRACE_SEIZE, PTRACE_O_TRACEEXEC), lets the
 *    call go on, and at the exec stop, before the new program has run, takes
 *    over its vDSO (vdso.c): on x86_64 the real-time entries are redirected
 *    to routines that add the offset kept in a shared "offset page", so the
 *    program reads the moved clock at the vDSO's speed; where that cannot be
 *    done the routines, or a vDSO hidden from the program, leave it making
 *    system calls, which the filter traps. Then it detaches: tracing only
 *    across exec keeps the program's signals (Go preempts its threads with
 *    SIGURG) from stopping at the supervisor.
 * 3. Each trapped call is answered with the real time plus the offset in
 *    CLOCK_FILE (libfaketime's relative form, e.g. "+31536000"), written
 *    into the caller's memory. The file's folder is watched (inotify): a
 *    clock jumped by rewriting the file is in the offset page, and in the
 *    next answer, without a restart.
 *
 * Why seccomp user notification and not ptrace alone: stopping the caller at
 * every system call (PTRACE_SYSCALL) would stop every read and write of the
 * program too; the filter stops only the clock calls and the execs. Why the
 * vDSO is redirected rather than hidden, and the offset added in the program
 * rather than by the supervisor: hidden, Go's monotonic reads (thousands a
 * second even when idle) became system calls too, and an idle etcd used
 * twice its CPU or more; answering each real-time read here still cost
 * about twice (a wake-up of the supervisor per read); with the offset page
 * an idle etcd costs what it costs without the shim. It runs in a default
 * Docker container: seccomp with no_new_privs, tracing one's own children
 * and writing their memory need no capability.
 *
 * The supervisor must outlive the program: once the listener is closed,
 * trapped calls fail with ENOSYS. So it stays in front, passes on the signals
 * a supervisor gets (SIGTERM from `docker stop`, SIGINT from kill), reaps
 * what is left to it as a container's PID 1, exits with the program's status,
 * and the program dies with it (PR_SET_PDEATHSIG) rather than run on with a
 * broken clock.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "offset.h"
#include "vdso.h"

#if defined(__x86_64__)
#define SHIM_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SHIM_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "certdrill-clock is built for x86_64 and aarch64 only"
#endif

/* Linux 6.6; the build's headers may be older than the kernel that runs it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define DEFAULT_CLOCK_FILE "/certdrill/clock/faketime.rc"

static const char *clock_file;
static const char *stats_file;
static int main_pid, supervisor_pid;

/* The offset in seconds, re-read whenever the clock file is replaced or changed. */
static struct {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  long long seconds;
  int known;
  int warned;
} offset;

static unsigned long long served, served_at_last_write, unwritten, withdrawn, unattached;
static time_t stats_written_at;

static void remove_offset_page(void);

static void die(const char *what) {
  fprintf(stderr, "certdrill-clock: %s: %s\n", what, strerror(errno));
  /* In the forked child, exit would run the supervisor's exit handlers and flush its copied stdio buffers again. */
  if (getpid() != supervisor_pid) _exit(125);
  remove_offset_page();
  exit(125);
}

/*
 * When the clock file's folder can be watched, the offset is looked at again
 * only after something in it changed (a jump renames a new file into place):
 * the supervisor polls the watch with the listener and drains it before it
 * answers, so a read that follows a jump sees it, and an idle program's reads
 * cost no look at the file. Without a watch, every read stats the file.
 */
static int watch = -1;

static void watch_clock_file(void) {
  char folder[4096];
  snprintf(folder, sizeof folder, "%s", clock_file);
  char *slash = strrchr(folder, '/');
  if (slash == folder) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else snprintf(folder, sizeof folder, ".");
  watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watch < 0) return;
  if (inotify_add_watch(watch, folder, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
    close(watch);
    watch = -1;
  }
}

/* Something in the folder changed: drop the known offset. If the folder itself went, stat on every read from now on. */
static void drain_watch(void) {
  char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t length;
  while ((length = read(watch, events, sizeof events)) > 0) {
    offset.known = 0;
    for (ssize_t at = 0; at < length; at += (ssize_t)sizeof(struct inotify_event) + ((struct inotify_event *)(events + at))->len)
      if (((struct inotify_event *)(events + at))->mask & IN_IGNORED) {
        close(watch);
        watch = -1;
        return;
      }
  }
}

/*
 * The offset page: a page of a small file that every redirected program maps
 * read-only and adds to the kernel's real time (vdso.c). Kept only while the
 * folder is watched, as it must change the moment the clock file does. It
 * lives in a folder of its own (mkdtemp: mode 0700, a name no one can guess
 * or plant beforehand), made with O_EXCL and mode 0600: only this user's
 * programs can map it (one that switched to another user makes system calls
 * instead, which the filter traps). The folder's name carries the
 * supervisor's pid, so that one killed before it could remove it is swept by
 * the next supervisor of the same user.
 */
#define OFFSET_PAGE_PREFIX "certdrill-clock."
static char offset_page_dir[48], offset_page_file[64];
static volatile long long *offset_page;

/* Removes the offset-page folders under `folder` of supervisors of this user that are gone. */
static void sweep_offset_pages(const char *folder) {
  DIR *listing = opendir(folder);
  if (!listing) return;
  struct dirent *entry;
  while ((entry = readdir(listing))) {
    int pid;
    char rest[16];
    if (sscanf(entry->d_name, OFFSET_PAGE_PREFIX "%d.%15s", &pid, rest) != 2 || pid <= 0 || pid == (int)getpid()) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    struct stat st;
    if (fstatat(dirfd(listing), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    int inside = openat(dirfd(listing), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (inside >= 0) {
      unlinkat(inside, "offset", 0);
      close(inside);
    }
    unlinkat(dirfd(listing), entry->d_name, AT_REMOVEDIR);
  }
  closedir(listing);
}

static void make_offset_page(void) {
  const char *folders[] = {"/dev/shm", "/tmp"};
  for (size_t i = 0; i < sizeof folders / sizeof *folders && !offset_page; i++) {
    sweep_offset_pages(folders[i]);
    snprintf(offset_page_dir, sizeof offset_page_dir, "%s/" OFFSET_PAGE_PREFIX "%d.XXXXXX", folders[i], (int)getpid());
    if (!mkdtemp(offset_page_dir)) continue;
    snprintf(offset_page_file, sizeof offset_page_file, "%s/offset", offset_page_dir);
    int fd = open(offset_page_file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    void *page = MAP_FAILED;
    if (fd >= 0) {
      if (ftruncate(fd, 4096) == 0) page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      close(fd);
    }
    if (page != MAP_FAILED) {
      offset_page = page;
    } else {
      unlink(offset_page_file);
      rmdir(offset_page_dir);
    }
  }
  if (!offset_page) offset_page_file[0] = offset_page_dir[0] = '\0';
}

static void remove_offset_page(void) {
  if (!offset_page_file[0] || getpid() != supervisor_pid) return;
  unlink(offset_page_file);
  rmdir(offset_page_dir);
}

static void publish_offset(long long seconds) {
  if (offset_page) __atomic_store_n(offset_page, seconds, __ATOMIC_RELEASE);
}

static long long current_offset(void) {
  if (watch >= 0 && offset.known) return offset.seconds;
  struct stat st;
  if (stat(clock_file, &st) != 0) {
    if (!offset.warned) fprintf(stderr, "certdrill-clock: no clock file %s (%s): real time until there is one\n", clock_file, strerror(errno));
    offset.warned = 1;
    offset.known = 0;
    publish_offset(0);
    return 0;
  }
  if (offset.known && st.st_dev == offset.dev && st.st_ino == offset.ino && st.st_size == offset.size &&
      st.st_mtim.tv_sec == offset.mtime.tv_sec && st.st_mtim.tv_nsec == offset.mtime.tv_nsec)
    return offset.seconds;
  char text[128] = {0};
  int fd = open(clock_file, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
  if (fd >= 0) close(fd);
  long long seconds = 0;
  enum offset_problem problem = n < 0 ? OFFSET_NOT_AN_OFFSET : parse_offset(text, &seconds);
  if (problem != OFFSET_OK) {
    fprintf(stderr, "certdrill-clock: %s holds %s: real time until it holds one like +31536000\n", clock_file, offset_problem_words(problem));
    seconds = 0;
  }
  offset.dev = st.st_dev;
  offset.ino = st.st_ino;
  offset.size = st.st_size;
  offset.mtime = st.st_mtim;
  offset.seconds = seconds;
  offset.known = 1;
  offset.warned = 0;
  publish_offset(seconds);
  return seconds;
}

static void write_stats(int force) {
  if (!stats_file) return;
  time_t now = time(NULL);
  if (!force && (now == stats_written_at || served == served_at_last_write)) return;
  char line[256];
  int len = snprintf(line, sizeof line, "clock_reads %llu\nunwritten %llu\nwithdrawn %llu\noffset_seconds %lld\nvdso_redirected %llu\nvdso_hidden %llu\noffset_pages %llu\n", served, unwritten, withdrawn, offset.seconds, vdso_redirected, vdso_hidden, offset_pages_mapped);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", stats_file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, line, (size_t)len) == len) rename(tmp, stats_file);
  close(fd);
  stats_written_at = now;
  served_at_last_write = served;
}

/*
 * The filter: the clock calls of this architecture become notifications,
 * everything else (other architectures' calls included) is allowed.
 */
static int install_filter(void) {
  struct sock_filter code[16];
  unsigned n = 0, to_notify[8], jumps = 0;
#define STMT(c, k) (code[n++] = (struct sock_filter)BPF_STMT((c), (k)))
#define IF_EQUAL_NOTIFY(k) (to_notify[jumps++] = n, code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, 0))
  STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SHIM_AUDIT_ARCH, 1, 0);
  STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  IF_EQUAL_NOTIFY(__NR_gettimeofday);
  IF_EQUAL_NOTIFY(__NR_execve);
  IF_EQUAL_NOTIFY(__NR_execveat);
#ifdef __NR_time
  IF_EQUAL_NOTIFY(__NR_time);
#endif
  code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clock_gettime, 1, 0);
  STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  /* The clock id is an int: the low half of args[0] on these little-endian machines. */
  STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
  IF_EQUAL_NOTIFY(CLOCK_REALTIME);
  IF_EQUAL_NOTIFY(CLOCK_REALTIME_COARSE);
  STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  unsigned notify = n;
  STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
  for (unsigned i = 0; i < jumps; i++) code[to_notify[i]].jt = (unsigned char)(notify - to_notify[i] - 1);
#undef STMT
#undef IF_EQUAL_NOTIFY
  struct sock_fprog program = {.len = (unsigned short)n, .filter = code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl(PR_SET_NO_NEW_PRIVS)");
  int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
  if (listener < 0) die("seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) (a kernel of 5.0 or newer, and seccomp allowed in the container)");
  return listener;
}

static void send_fd(int socket, int fd) {
  char byte = 0;
  struct iovec io = {.iov_base = &byte, .iov_len = 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &fd, sizeof fd);
  if (sendmsg(socket, &message, 0) != 1) die("sendmsg");
}

static int receive_fd(int socket) {
  char byte;
  struct iovec io = {.iov_base = &byte, .iov_len = 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
  if (recvmsg(socket, &message, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  if (!header || header->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(header), sizeof fd);
  return fd;
}

/* The caller is blocked in its system call, not in a ptrace stop: its memory is written the way a debugger's helper would. */
static int write_to(pid_t pid, unsigned long address, const void *data, size_t size) {
  struct iovec local = {.iov_base = (void *)data, .iov_len = size};
  struct iovec remote = {.iov_base = (void *)address, .iov_len = size};
  if (process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)size) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t written = pwrite(fd, data, size, (off_t)address);
  close(fd);
  return written == (ssize_t)size ? 0 : -1;
}

static void serve(int listener, struct seccomp_notif *request, struct seccomp_notif_resp *response, size_t request_size, size_t response_size) {
  memset(request, 0, request_size);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, request) != 0) return; /* the caller was interrupted by a signal */
  memset(response, 0, response_size);
  response->id = request->id;
  const struct seccomp_data *call = &request->data;
  if (call->nr == __NR_execve || call->nr == __NR_execveat) {
    /* Attached before the exec goes on, so that its stop is seen; EPERM: already attached (a PATH search's earlier try). */
    if (ptrace(PTRACE_SEIZE, request->pid, 0, (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0 && errno != EPERM && !unattached++)
      fprintf(stderr, "certdrill-clock: could not trace process %u across its exec (%s): it may read the real time\n", request->pid, strerror(errno));
    response->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, response) != 0 && errno == ENOENT) withdrawn++;
    return;
  }
  struct timespec now;
  clock_gettime(call->nr == __NR_clock_gettime && (int)call->args[0] == CLOCK_REALTIME_COARSE ? CLOCK_REALTIME_COARSE : CLOCK_REALTIME, &now);
  now.tv_sec += (time_t)current_offset();
  int failed = 0;
  /* The caller may have been interrupted since (and be restarting the call): write nothing into memory it has moved on from. */
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &request->id) != 0) {
    withdrawn++;
    return;
  }
  if (call->nr == __NR_clock_gettime) {
    failed = call->args[1] && write_to((pid_t)request->pid, call->args[1], &now, sizeof now);
  } else if (call->nr == __NR_gettimeofday) {
    struct timeval tv = {.tv_sec = now.tv_sec, .tv_usec = now.tv_nsec / 1000};
    struct timezone tz = {0, 0};
    failed = (call->args[0] && write_to((pid_t)request->pid, call->args[0], &tv, sizeof tv)) ||
             (call->args[1] && write_to((pid_t)request->pid, call->args[1], &tz, sizeof tz));
  } else {
    time_t seconds = now.tv_sec;
    failed = call->args[0] && write_to((pid_t)request->pid, call->args[0], &seconds, sizeof seconds);
    response->val = seconds;
  }
  if (failed) {
    response->error = -EFAULT;
    /* Said once: a caller that gets EFAULT from a clock read it made correctly sees a garbage time. */
    if (unwritten++ == 0) fprintf(stderr, "certdrill-clock: could not write the time into process %u: %s\n", request->pid, strerror(errno));
  }
  served++;
  /* ENOENT: the caller was interrupted meanwhile and will call again. */
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, response) != 0 && errno == ENOENT) withdrawn++;
  write_stats(0);
}

/* Returns 1 once the program itself has ended, with its wait status in *status. */
static int reap(int *program_status) {
  int ended = 0, status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, __WALL | WNOHANG)) > 0) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == main_pid) {
        *program_status = status;
        ended = 1;
      }
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int signal = WSTOPSIG(status), event = status >> 16;
    /* Attached for one exec only: once it is seen, or on any other stop (a failed exec, a signal), let go. */
    int pass_on = event == 0 ? signal : 0, ended_meanwhile = -1;
    if (event == PTRACE_EVENT_EXEC) {
      pass_on = take_over_clock(pid, &ended_meanwhile);
      write_stats(1); /* a program started: said at once, as reads in the program itself are never counted */
    }
    if (ended_meanwhile != -1) {
      if (pid == main_pid) {
        *program_status = ended_meanwhile;
        ended = 1;
      }
      continue;
    }
    ptrace(PTRACE_DETACH, pid, 0, (void *)(long)pass_on);
  }
  return ended;
}

static void usage(void) {
  fprintf(stderr, "usage: certdrill-clock [-f CLOCK_FILE] [-s STATS_FILE] [--] PROGRAM [ARG...]\n"
                  "  runs PROGRAM (and every process it starts) with the wall clock moved by the offset in CLOCK_FILE\n"
                  "  (default $FAKETIME_TIMESTAMP_FILE, else " DEFAULT_CLOCK_FILE "), Go programs included\n");
  exit(2);
}

int main(int argc, char **argv) {
  clock_file = getenv("FAKETIME_TIMESTAMP_FILE");
  if (!clock_file || !*clock_file) clock_file = DEFAULT_CLOCK_FILE;
  int option;
  while ((option = getopt(argc, argv, "+f:s:h")) != -1) {
    if (option == 'f') clock_file = optarg;
    else if (option == 's') stats_file = optarg;
    else usage();
  }
  if (optind >= argc) usage();
  supervisor_pid = getpid();
  watch_clock_file();
  if (watch >= 0) make_offset_page();
  current_offset();
  plan_vdso_redirect(offset_page_file[0] ? offset_page_file : NULL);
  if (!vdso_offset_page_planned() && offset_page) {
    remove_offset_page();
    offset_page_file[0] = '\0';
  }

  /* Signals come to this process through a signalfd, so none is lost between polls; the program gets the old mask back. */
  sigset_t handled, original;
  sigemptyset(&handled);
  int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&handled, forwarded[i]);
  sigaddset(&handled, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &handled, &original) != 0) die("sigprocmask");
  int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals < 0) die("signalfd");

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) die("socketpair");
  main_pid = fork();
  if (main_pid < 0) die("fork");
  if (main_pid == 0) {
    close(pair[0]);
    close(signals);
    sigprocmask(SIG_SETMASK, &original, NULL);
    /* Without its supervisor the program's clock calls would fail: it does not outlive it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1 && supervisor_pid != 1) _exit(125);
    int listener = install_filter();
    send_fd(pair[1], listener);
    close(listener);
    close(pair[1]);
    /* The exec itself is the filter's first notification: the supervisor sees it as it will see every later one. */
    execvp(argv[optind], &argv[optind]);
    fprintf(stderr, "certdrill-clock: cannot run %s: %s\n", argv[optind], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(pair[1]);
  int listener = receive_fd(pair[0]);
  if (listener < 0) {
    int status;
    waitpid(main_pid, &status, 0);
    fprintf(stderr, "certdrill-clock: the child could not install its seccomp filter\n");
    return 125;
  }
  close(pair[0]);

  /*
   * The caller waits while the supervisor answers: have the kernel switch
   * between the two on one CPU rather than wake the other across CPUs, which
   * in a virtual machine costs more than the answer (Linux 6.6+; older
   * kernels refuse the flag and answer as before).
   */
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) die("seccomp(SECCOMP_GET_NOTIF_SIZES)");
  size_t request_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
  size_t response_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
  struct seccomp_notif *request = calloc(1, request_size);
  struct seccomp_notif_resp *response = calloc(1, response_size);
  if (!request || !response) die("calloc");

  int program_status = 0;
  struct pollfd watched[3] = {{.fd = listener, .events = POLLIN}, {.fd = signals, .events = POLLIN}, {.fd = watch, .events = POLLIN}};
  for (;;) {
    /* Programs that add the offset themselves need it kept current: if the watch is gone, look at the file ten times a second. */
    if (poll(watched, 3, watch < 0 && offset_page ? 100 : -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    /* Before any read is answered: a jump made before the read must be in its answer. */
    if (watched[2].revents & POLLIN) {
      drain_watch();
      watched[2].fd = watch;
    }
    if (offset_page && !offset.known) current_offset();
    if (offset_page && watch < 0) current_offset();
    if (watched[0].revents & POLLIN) serve(listener, request, response, request_size, response_size);
    /* POLLHUP: no process is left under the filter; the program's exit follows on the signalfd. */
    if (watched[0].revents & (POLLHUP | POLLERR)) watched[0].fd = -1;
    /* Ends, exec stops and signals all come through the signalfd (SIGCHLD included): a clock read alone costs no wait. */
    if (!(watched[1].revents & POLLIN)) continue;
    struct signalfd_siginfo info;
    while (read(signals, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGCHLD) continue;
      /* A terminal's signal already reached the program, which shares the foreground process group. */
      if (info.ssi_code == SI_KERNEL) continue;
      kill(main_pid, (int)info.ssi_signo);
    }
    if (reap(&program_status)) break;
    /* A read of the signalfd would block once drained: poll again. */
  }
  write_stats(1);
  remove_offset_page();
  if (WIFEXITED(program_status)) return WEXITSTATUS(program_status);
  return 128 + WTERMSIG(program_status);
}
