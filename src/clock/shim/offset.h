/* The clock file's offset (offset.c): libfaketime's relative form, checked. */
#ifndef CERTDRILL_CLOCK_OFFSET_H
#define CERTDRILL_CLOCK_OFFSET_H

/* What parse_offset found wrong, or OFFSET_OK. */
enum offset_problem { OFFSET_OK = 0, OFFSET_NOT_AN_OFFSET = -1, OFFSET_NOT_FINITE = -2, OFFSET_OUT_OF_RANGE = -3 };

/*
 * The largest offset taken either way, about 3,170 years: far inside what
 * the kernel's time plus the offset can hold in a 64-bit time_t, and past
 * any certificate's lifetime.
 */
#define OFFSET_MAX_SECONDS 100000000000LL

/* "[+-]N" with an optional unit (s, m, h, d, y) and surrounding blanks, into whole seconds. */
enum offset_problem parse_offset(const char *text, long long *seconds);

/* What is wrong, in words, for a message that then says what certdrill-clock does instead. */
const char *offset_problem_words(enum offset_problem problem);

#endif
