/*
 * copy.c - fields of PostgreSQL's COPY text format, for the programs that
 * bulk-load the warehouse (mdx-load, mdx-aggregate, mdx-indicators).
 */
#include <string.h>

#include "mdx.h"

void
mdx_copy_text(struct mdx_buf *b, const char *s, size_t n)
{
	size_t i, run;

	mdx_buf_grow(b, n * 2);
	for (i = 0; i < n; i += run) {
		for (run = 0; i + run < n; run++) {
			char ch = s[i + run];
			if (ch == '\\' || ch == '\t' || ch == '\n' ||
			    ch == '\r')
				break;
		}
		mdx_buf_add(b, s + i, run);
		if (i + run < n) {
			switch (s[i + run]) {
			case '\\':
				mdx_buf_add(b, "\\\\", 2);
				break;
			case '\t':
				mdx_buf_add(b, "\\t", 2);
				break;
			case '\n':
				mdx_buf_add(b, "\\n", 2);
				break;
			default:
				mdx_buf_add(b, "\\r", 2);
				break;
			}
			run++;
		}
	}
}

void
mdx_copy_dec(struct mdx_buf *b, const mdx_dec *d, int present)
{
	mdx_buf_addch(b, '\t');
	if (present)
		mdx_dec_add_to_buf(b, d);
	else
		mdx_buf_add(b, "\\N", 2);
}
