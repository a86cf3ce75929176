/*
 * utf8.h - UTF-8 validation: the check the NDJSON reader applies to each
 * line, and the buffer and the JSON parser to the text they escape or
 * unescape.
 */
#ifndef MDX_UTF8_H
#define MDX_UTF8_H

#include <stddef.h>

/* Checks that s[0..n) is valid UTF-8 without NUL; returns the offset of the
 * first bad byte, or -1 when the text is good. */
long mdx_utf8_check(const char *s, size_t n);

#endif /* MDX_UTF8_H */
