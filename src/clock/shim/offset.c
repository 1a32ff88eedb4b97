#include "offset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

enum offset_problem parse_offset(const char *text, long long *seconds) {
  while (*text == ' ' || *text == '\t') text++;
  if (*text != '+' && *text != '-') return OFFSET_NOT_AN_OFFSET;
  char *end;
  errno = 0;
  double value = strtod(text, &end);
  if (end == text) return OFFSET_NOT_AN_OFFSET;
  /* strtod takes "+nan" and "+inf" too; a value past a double's range is ERANGE and HUGE_VAL. */
  if (isnan(value)) return OFFSET_NOT_FINITE;
  if (isinf(value) || errno == ERANGE) return OFFSET_OUT_OF_RANGE;
  double unit = 1;
  switch (*end) {
    case 'm': unit = 60; end++; break;
    case 'h': unit = 3600; end++; break;
    case 'd': unit = 86400; end++; break;
    case 'y': unit = 31536000; end++; break;
    case 's': end++; break;
    default: break;
  }
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
  if (*end != '\0') return OFFSET_NOT_AN_OFFSET;
  double total = value * unit;
  /* Checked as a double, before the cast: a double past long long's range has no defined conversion. */
  if (!(total >= -(double)OFFSET_MAX_SECONDS && total <= (double)OFFSET_MAX_SECONDS)) return OFFSET_OUT_OF_RANGE;
  *seconds = (long long)total;
  return OFFSET_OK;
}

const char *offset_problem_words(enum offset_problem problem) {
  switch (problem) {
    case OFFSET_OK: return "an offset";
    case OFFSET_NOT_FINITE: return "not a number";
    case OFFSET_OUT_OF_RANGE: return "an offset beyond 100000000000 seconds (about 3,170 years) either way";
    default: return "no offset like +31536000 or -2h";
  }
}
