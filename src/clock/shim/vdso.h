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

#endif
