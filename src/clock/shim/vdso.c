/*
 * The vDSO side of certdrill-clock: what happens to a program at its exec
 * stop, before it has run an instruction (see certdrill-clock.c for the
 * whole).
 *
 * x86_64: the vDSO is redirected. Its image is the same in every 64-bit
 * process of this kernel, so the supervisor plans once, from its own copy:
 * the routines below go into the zero padding at the end of the image's last
 * page, and the dynamic symbols clock_gettime, gettimeofday and time (and
 * their __vdso_ names) are pointed at them. Nothing of the kernel's code is
 * changed: Go's runtime and glibc look the symbols up as they start, and
 * find the routines. Every clock but the real-time ones goes straight to the
 * kernel's code, so monotonic reads stay as they were.
 *
 * The real-time reads: where the kernel's vDSO serves them without a system
 * call (probed once at start), a routine calls the kernel's code and adds
 * the offset it finds in the offset page, a page of a small file the
 * supervisor keeps up to date and every redirected program maps read-only.
 * A jump is one store into that page, seen by every process of the tree at
 * once, forked ones included; a read costs nothing more than the kernel's.
 * Where there is no offset page (the file could not be made or mapped), a
 * routine makes the system call instead, which the seccomp filter traps and
 * the supervisor answers. Mapping the page is done by the program itself, by
 * code placed beside the routines: at the exec stop the supervisor points
 * its instruction pointer there, lets it open, map and close the file and
 * stop on a breakpoint, and puts its registers back.
 *
 * Elsewhere (another architecture, a 32-bit program, an image laid out
 * otherwise) the vDSO is hidden: AT_SYSINFO_EHDR in the new program's
 * auxiliary vector becomes AT_IGNORE, and every clock read is a system call,
 * the real-time ones trapped and answered.
 *
 * The pages are written through /proc/PID/mem: the kernel gives the process
 * its own copy of each page written, as it does for a debugger's breakpoint.
 */
#define _GNU_SOURCE
#include "vdso.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AT_SYSINFO_EHDR
#define AT_SYSINFO_EHDR 33
#endif

unsigned long long vdso_redirected, vdso_hidden, offset_pages_mapped;

#if defined(__x86_64__)
#define STACK_POINTER(regs) ((regs).rsp)

/*
 * The routines, assembled with the supervisor and copied into each program's
 * vDSO. They refer to one another and to their data by RIP-relative
 * addresses inside the block, so the block works wherever it lands; the
 * kernel's functions are reached through the four rel32 fields that
 * plan_vdso_redirect fills in (the labels vdso_fix_* mark each field's end).
 * A routine that calls the kernel's code keeps the one argument it needs on
 * the stack across the call, which keeps the stack aligned as the ABI wants.
 */
__asm__(
    ".pushsection .rodata.certdrill_vdso,\"a\"\n"
    ".balign 16\n"
    ".globl vdso_block, vdso_block_end, vdso_clock_gettime, vdso_gettimeofday, vdso_time, vdso_map_offset_page\n"
    ".globl vdso_fix_clock_gettime_jump, vdso_fix_clock_gettime_call, vdso_fix_gettimeofday_call, vdso_fix_time_call\n"
    ".globl vdso_offset_page, vdso_offset_file\n"
    "vdso_block:\n"
    "vdso_clock_gettime:\n"               /* (clockid_t edi, struct timespec *rsi) */
    "  cmp $0, %edi\n"                    /* CLOCK_REALTIME */
    "  je 1f\n"
    "  cmp $5, %edi\n"                    /* CLOCK_REALTIME_COARSE */
    "  je 1f\n"
    "  .byte 0xe9\n  .long 0\n"           /* jmp to the kernel's clock_gettime */
    "vdso_fix_clock_gettime_jump:\n"
    "1: mov vdso_offset_page(%rip), %rax\n"
    "  test %rax, %rax\n"
    "  jz 2f\n"
    "  push %rsi\n"
    "  .byte 0xe8\n  .long 0\n"           /* call the kernel's clock_gettime */
    "vdso_fix_clock_gettime_call:\n"
    "  pop %rsi\n"
    "  test %eax, %eax\n"
    "  jnz 3f\n"
    "  mov vdso_offset_page(%rip), %rcx\n"
    "  mov (%rcx), %rcx\n"
    "  add %rcx, (%rsi)\n"
    "3: ret\n"
    "2: mov $228, %eax\n"                 /* __NR_clock_gettime, for the supervisor to answer */
    "  syscall\n"
    "  ret\n"
    "vdso_gettimeofday:\n"                /* (struct timeval *rdi, struct timezone *rsi) */
    "  mov vdso_offset_page(%rip), %rax\n"
    "  test %rax, %rax\n"
    "  jz 2f\n"
    "  push %rdi\n"
    "  .byte 0xe8\n  .long 0\n"
    "vdso_fix_gettimeofday_call:\n"
    "  pop %rdi\n"
    "  test %eax, %eax\n"
    "  jnz 3f\n"
    "  test %rdi, %rdi\n"
    "  jz 3f\n"
    "  mov vdso_offset_page(%rip), %rcx\n"
    "  mov (%rcx), %rcx\n"
    "  add %rcx, (%rdi)\n"
    "3: ret\n"
    "2: mov $96, %eax\n"                  /* __NR_gettimeofday */
    "  syscall\n"
    "  ret\n"
    "vdso_time:\n"                        /* (time_t *rdi) */
    "  mov vdso_offset_page(%rip), %rax\n"
    "  test %rax, %rax\n"
    "  jz 2f\n"
    "  push %rdi\n"
    "  xor %edi, %edi\n"
    "  .byte 0xe8\n  .long 0\n"
    "vdso_fix_time_call:\n"
    "  pop %rdi\n"
    "  mov vdso_offset_page(%rip), %rcx\n"
    "  add (%rcx), %rax\n"
    "  test %rdi, %rdi\n"
    "  jz 3f\n"
    "  mov %rax, (%rdi)\n"
    "3: ret\n"
    "2: mov $201, %eax\n"                 /* __NR_time */
    "  syscall\n"
    "  ret\n"
    "vdso_map_offset_page:\n"             /* run once at the exec stop; ends on int3 with the page's address or -errno in rax */
    "  lea vdso_offset_file(%rip), %rdi\n"
    "  mov $0x80000, %esi\n"              /* O_RDONLY | O_CLOEXEC */
    "  mov $2, %eax\n"                    /* __NR_open */
    "  syscall\n"
    "  test %rax, %rax\n"
    "  js 1f\n"
    "  mov %rax, %r8\n"
    "  xor %edi, %edi\n"
    "  mov $4096, %esi\n"
    "  mov $1, %edx\n"                    /* PROT_READ */
    "  mov $1, %r10d\n"                   /* MAP_SHARED */
    "  xor %r9d, %r9d\n"
    "  mov $9, %eax\n"                    /* __NR_mmap */
    "  syscall\n"
    "  mov %rax, %r12\n"
    "  mov %r8d, %edi\n"
    "  mov $3, %eax\n"                    /* __NR_close */
    "  syscall\n"
    "  mov %r12, %rax\n"
    "1: int3\n"
    ".balign 8\n"
    "vdso_offset_page: .quad 0\n"         /* the page's address in this process, written after the stub ran */
    "vdso_offset_file: .fill 64, 1, 0\n"  /* the offset file's path, NUL-terminated */
    "vdso_block_end:\n"
    ".popsection\n");

extern const unsigned char vdso_block[], vdso_block_end[], vdso_clock_gettime[], vdso_gettimeofday[], vdso_time[], vdso_map_offset_page[];
extern const unsigned char vdso_fix_clock_gettime_jump[], vdso_fix_clock_gettime_call[], vdso_fix_gettimeofday_call[], vdso_fix_time_call[];
extern const unsigned char vdso_offset_page[], vdso_offset_file[];
#define IN_BLOCK(label) ((unsigned long)((label) - vdso_block))

#define PATCHES 8

static struct {
  unsigned long size; /* of the [vdso] mapping */
  const unsigned char *image; /* the supervisor's own, never written */
  unsigned long block_at; /* where the block goes in the image */
  unsigned count;
  struct {
    unsigned long offset;
    unsigned char bytes[512];
    size_t length;
  } patch[PATCHES];
  int map_page; /* the block holds the offset file's path: run the stub */
} plan;

static unsigned long own_vdso_size(unsigned long base) {
  FILE *maps = fopen("/proc/self/maps", "re");
  if (!maps) return 0;
  char line[512];
  unsigned long size = 0;
  while (fgets(line, sizeof line, maps)) {
    unsigned long from, to;
    if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &from, &to) == 2 && from == base) size = to - from;
  }
  fclose(maps);
  return size;
}

static void add_patch(unsigned long offset, const void *bytes, size_t length) {
  plan.patch[plan.count].offset = offset;
  memcpy(plan.patch[plan.count].bytes, bytes, length);
  plan.patch[plan.count].length = length;
  plan.count++;
}

/*
 * Does the kernel's vDSO answer the real-time clocks without a system call?
 * (It falls back to one when the clock source cannot be read from user space.)
 * A child forbids the clock system calls and calls the three functions: if
 * any reached the kernel, it got EHWPOISON back. Only then may a routine add
 * the offset to what the kernel's code returns: a fallback system call would
 * be answered by the supervisor with the offset already in.
 */
static int realtime_served_in_user_space(int (*gettime)(clockid_t, struct timespec *), int (*gettimeofday_fn)(struct timeval *, void *), time_t (*time_fn)(time_t *)) {
  pid_t child = fork();
  if (child < 0) return 0;
  if (child == 0) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clock_gettime, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_gettimeofday, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_time, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EHWPOISON),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof *code, .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) _exit(1);
    struct timespec ts;
    struct timeval tv;
    time_t t;
    int fell_back = gettime(CLOCK_REALTIME, &ts) == -EHWPOISON || gettime(CLOCK_REALTIME_COARSE, &ts) == -EHWPOISON ||
                    gettimeofday_fn(&tv, NULL) == -EHWPOISON || time_fn(&t) == -EHWPOISON;
    _exit(fell_back ? 1 : 0);
  }
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int vdso_read_elf(const unsigned char *image, unsigned long size, struct vdso_elf *elf) {
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)image;
  if (size < 4096 || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64) return -1;
  const Elf64_Phdr *segments = (const Elf64_Phdr *)(image + header->e_phoff);
  unsigned long load_bias = 0, used = 0;
  const Elf64_Dyn *dynamic = NULL;
  int loads = 0;
  for (int i = 0; i < header->e_phnum; i++) {
    if (segments[i].p_type == PT_LOAD) {
      loads++;
      load_bias = segments[i].p_offset - segments[i].p_vaddr;
      if (segments[i].p_offset + segments[i].p_filesz > used) used = segments[i].p_offset + segments[i].p_filesz;
    }
    if (segments[i].p_type == PT_DYNAMIC) dynamic = (const Elf64_Dyn *)(image + segments[i].p_offset);
  }
  if (loads != 1 || !dynamic) return -1;
  unsigned long section_headers_end = header->e_shoff + (unsigned long)header->e_shnum * header->e_shentsize;
  if (section_headers_end > used) used = section_headers_end;
  const Elf64_Sym *symbols = NULL;
  const char *names = NULL;
  unsigned long symbol_count = 0;
  for (const Elf64_Dyn *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
    if (entry->d_tag == DT_SYMTAB) symbols = (const Elf64_Sym *)(image + load_bias + entry->d_un.d_ptr);
    if (entry->d_tag == DT_STRTAB) names = (const char *)(image + load_bias + entry->d_un.d_ptr);
    if (entry->d_tag == DT_HASH) symbol_count = ((const Elf32_Word *)(image + load_bias + entry->d_un.d_ptr))[1];
  }
  if (!symbols || !names || symbol_count == 0 || symbol_count > 64) return -1;

  /* The kernel's functions, as offsets in the image. */
  unsigned long kernel_gettime = 0, kernel_gettimeofday = 0, kernel_time = 0;
  for (unsigned long i = 1; i < symbol_count; i++) {
    const char *name = names + symbols[i].st_name;
    if (!strcmp(name, "__vdso_clock_gettime")) kernel_gettime = symbols[i].st_value + load_bias;
    if (!strcmp(name, "__vdso_gettimeofday")) kernel_gettimeofday = symbols[i].st_value + load_bias;
    if (!strcmp(name, "__vdso_time")) kernel_time = symbols[i].st_value + load_bias;
  }
  if (!kernel_gettime || !kernel_gettimeofday || !kernel_time) return -1;
  *elf = (struct vdso_elf){.symbols = symbols, .names = names, .symbol_count = symbol_count, .load_bias = load_bias, .used = used,
                           .clock_gettime = kernel_gettime, .gettimeofday = kernel_gettimeofday, .time = kernel_time};
  return 0;
}

void plan_vdso_redirect(const char *offset_file) {
  unsigned long base = getauxval(AT_SYSINFO_EHDR);
  if (!base) return;
  unsigned long size = own_vdso_size(base);
  const unsigned char *image = (const unsigned char *)base;
  struct vdso_elf elf;
  if (vdso_read_elf(image, size, &elf) != 0) return;
  const Elf64_Sym *symbols = elf.symbols;
  const char *names = elf.names;
  unsigned long symbol_count = elf.symbol_count, load_bias = elf.load_bias, used = elf.used;
  unsigned long kernel_gettime = elf.clock_gettime, kernel_gettimeofday = elf.gettimeofday, kernel_time = elf.time;

  /* The block goes at the end of the mapping, into bytes that are zero and belong to nothing. */
  unsigned long block_size = (unsigned long)(vdso_block_end - vdso_block);
  if (block_size > sizeof plan.patch[0].bytes || block_size + 64 > size) return;
  unsigned long at = (size - block_size) & ~15UL;
  if (at < used) return;
  for (unsigned long i = at; i < size; i++)
    if (image[i]) return;

  unsigned char block[sizeof plan.patch[0].bytes];
  memcpy(block, vdso_block, block_size);
  struct {
    const unsigned char *field_end;
    unsigned long target;
  } fixes[] = {{vdso_fix_clock_gettime_jump, kernel_gettime}, {vdso_fix_clock_gettime_call, kernel_gettime}, {vdso_fix_gettimeofday_call, kernel_gettimeofday}, {vdso_fix_time_call, kernel_time}};
  for (size_t i = 0; i < sizeof fixes / sizeof *fixes; i++) {
    int32_t displacement = (int32_t)((long)fixes[i].target - (long)(at + IN_BLOCK(fixes[i].field_end)));
    memcpy(block + IN_BLOCK(fixes[i].field_end) - 4, &displacement, 4);
  }
  int map_page = offset_file && strlen(offset_file) < 64 &&
                 realtime_served_in_user_space((void *)(base + kernel_gettime), (void *)(base + kernel_gettimeofday), (void *)(base + kernel_time));
  if (map_page) memcpy(block + IN_BLOCK(vdso_offset_file), offset_file, strlen(offset_file) + 1);
  add_patch(at, block, block_size);

  /* Symbol values are link-time addresses: offsets in the image less the load bias. */
  for (unsigned long i = 1; i < symbol_count && plan.count < PATCHES; i++) {
    const char *name = names + symbols[i].st_name;
    Elf64_Addr value;
    if (!strcmp(name, "clock_gettime") || !strcmp(name, "__vdso_clock_gettime")) value = at + IN_BLOCK(vdso_clock_gettime) - load_bias;
    else if (!strcmp(name, "gettimeofday") || !strcmp(name, "__vdso_gettimeofday")) value = at + IN_BLOCK(vdso_gettimeofday) - load_bias;
    else if (!strcmp(name, "time") || !strcmp(name, "__vdso_time")) value = at + IN_BLOCK(vdso_time) - load_bias;
    else continue;
    add_patch((unsigned long)((const unsigned char *)&symbols[i].st_value - image), &value, sizeof value);
  }
  plan.size = size;
  plan.image = image;
  plan.block_at = at;
  plan.map_page = map_page;
}

int vdso_offset_page_planned(void) { return plan.count && plan.map_page; }

/* Writes the plan into the new program's vDSO, if it is the image the plan was made from. */
static int write_plan(int mem, unsigned long base) {
  if (!plan.count) return -1;
  unsigned char *theirs = malloc(plan.size);
  int result = -1;
  if (theirs && pread(mem, theirs, plan.size, (off_t)base) == (ssize_t)plan.size && !memcmp(theirs, plan.image, plan.size)) {
    result = 0;
    for (unsigned i = 0; i < plan.count && result == 0; i++)
      if (pwrite(mem, plan.patch[i].bytes, plan.patch[i].length, (off_t)(base + plan.patch[i].offset)) != (ssize_t)plan.patch[i].length) result = -1;
  }
  free(theirs);
  return result;
}

/*
 * Has the program run the block's stub, which maps the offset page, and
 * writes the page's address where the routines look for it. Its registers are
 * put back as they were at the exec stop, less the execve's return value,
 * which the program would have seen as 0. A signal that arrives meanwhile is
 * kept for it; if it is killed meanwhile, *ended gets its wait status.
 * Without a page the routines trap instead: nothing is lost.
 */
static void map_offset_page(pid_t pid, int mem, unsigned long base, const struct user_regs_struct *at_exec, int *pending_signal, int *ended) {
  struct user_regs_struct regs = *at_exec;
  regs.rip = base + plan.block_at + IN_BLOCK(vdso_map_offset_page);
  if (ptrace(PTRACE_SETREGS, pid, 0, &regs) != 0 || ptrace(PTRACE_CONT, pid, 0, 0) != 0) return;
  for (int stops = 0; stops < 16; stops++) {
    int status;
    if (waitpid(pid, &status, __WALL) != pid) return;
    if (!WIFSTOPPED(status)) {
      *ended = status; /* killed meanwhile: its end is the caller's to report */
      return;
    }
    int signal = WSTOPSIG(status);
    if (signal == SIGTRAP && (status >> 16) == 0) break;
    if ((status >> 16) == 0) *pending_signal = signal;
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0) return;
  }
  if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0) return;
  unsigned long page = regs.rax;
  struct user_regs_struct back = *at_exec;
  back.rax = 0;
  back.orig_rax = (unsigned long)-1; /* no system call to restart */
  ptrace(PTRACE_SETREGS, pid, 0, &back);
  if (page >= (unsigned long)-4095L || page == 0) return;
  if (pwrite(mem, &page, sizeof page, (off_t)(base + plan.block_at + IN_BLOCK(vdso_offset_page))) == (ssize_t)sizeof page) offset_pages_mapped++;
}
#else
#if defined(__aarch64__)
#define STACK_POINTER(regs) ((regs).sp)
#else
#error "certdrill-clock knows the auxiliary vector's place on x86_64 and aarch64 only"
#endif
void plan_vdso_redirect(const char *offset_file) { (void)offset_file; }
int vdso_offset_page_planned(void) { return 0; }
#endif

/*
 * At an exec stop the stack holds argc, argv, NULL, envp, NULL, then the
 * auxiliary vector's pairs; AT_SYSINFO_EHDR says where the vDSO is.
 */
int take_over_clock(pid_t pid, int *ended) {
  struct user_regs_struct regs;
  struct iovec io = {.iov_base = &regs, .iov_len = sizeof regs};
  if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) != 0) return 0;
  unsigned long at = STACK_POINTER(regs);
  errno = 0;
  long argc = ptrace(PTRACE_PEEKDATA, pid, (void *)at, 0);
  if (errno) return 0;
  at += sizeof(long) * (unsigned long)(argc + 2);
  for (int i = 0; i < 65536; i++, at += sizeof(long)) {
    long word = ptrace(PTRACE_PEEKDATA, pid, (void *)at, 0);
    if (errno) return 0;
    if (word == 0) break;
  }
  at += sizeof(long);
  for (int i = 0; i < 256; i++, at += 2 * sizeof(long)) {
    long type = ptrace(PTRACE_PEEKDATA, pid, (void *)at, 0);
    if (errno || type == AT_NULL) return 0;
    if (type != AT_SYSINFO_EHDR) continue;
#if defined(__x86_64__)
    unsigned long base = (unsigned long)ptrace(PTRACE_PEEKDATA, pid, (void *)(at + sizeof(long)), 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int mem = errno ? -1 : open(path, O_RDWR | O_CLOEXEC);
    if (mem >= 0 && write_plan(mem, base) == 0) {
      vdso_redirected++;
      int pending_signal = 0;
      if (plan.map_page) map_offset_page(pid, mem, base, &regs, &pending_signal, ended);
      close(mem);
      return pending_signal;
    }
    if (mem >= 0) close(mem);
#endif
    ptrace(PTRACE_POKEDATA, pid, (void *)at, (void *)AT_IGNORE);
    vdso_hidden++;
    return 0;
  }
  return 0;
}
