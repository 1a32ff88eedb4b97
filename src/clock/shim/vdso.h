/* The vDSO side of certdrill-clock (vdso.c): what is done to each program at its exec stop. */
#ifndef CERTDRILL_CLOCK_VDSO_H
#define CERTDRILL_CLOCK_VDSO_H
#include <sys/types.h>

/* Programs started whose vDSO was redirected, or hidden where it could not be; and offset pages mapped. */
extern unsigned long long vdso_redirected, vdso_hidden, offset_pages_mapped;

/* Plans, once, what is written into each program's vDSO; offset_file (or NULL) is the offset page's file. */
void plan_vdso_redirect(const char *offset_file);

/* Whether the plan has programs add the offset from the page themselves (else they trap every real-time read). */
int vdso_offset_page_planned(void);

/*
 * At a program's exec stop: redirects or hides its vDSO. Returns a signal
 * that arrived meanwhile, to pass on; if the program ended meanwhile, its
 * wait status is in *ended (left as it was otherwise).
 */
int take_over_clock(pid_t pid, int *ended);

#if defined(__x86_64__)
#include <elf.h>
/* What a vDSO image holds that the plan needs: its symbol table, and the kernel's three real-time functions as offsets in the image. */
struct vdso_elf {
  const Elf64_Sym *symbols;
  const char *names;
  unsigned long symbol_count, load_bias;
  /* Bytes of the image that belong to its segments or section headers: the plan's block goes past them. */
  unsigned long used;
  unsigned long clock_gettime, gettimeofday, time;
};

/* Reads a vDSO image of `size` bytes (the [vdso] mapping); -1 if it is not laid out as expected. */
int vdso_read_elf(const unsigned char *image, unsigned long size, struct vdso_elf *elf);
#endif

#endif
