/*
 * load.h - canonical records into the warehouse (load.c): the work of
 * mdx-load(1).  Candles, depth snapshots, trades, funding events and
 * open-interest samples are written in batches, each
 * in one transaction (COPY into temporary staging tables, then one upsert
 * per table that skips unchanged rows); instrument records are applied at
 * once.  Failures end the program: a lost server with MDX_EX_TEMPFAIL,
 * the batch rolled back.
 */
#ifndef MDX_LOAD_H
#define MDX_LOAD_H

#include <stddef.h>

#include "db.h"

struct mdx_load_counts {
	unsigned long read;		/* records offered */
	unsigned long candles;		/* distinct candles written */
	unsigned long inserted, revised, unchanged; /* their fate */
	unsigned long duplicates;	/* candles dropped inside a batch */
	unsigned long depth, depth_inserted, depth_revised;
	unsigned long funding, funding_inserted, funding_revised;
	unsigned long open_interest, oi_inserted, oi_revised;
	unsigned long trades, trades_inserted, trades_revised;
	unsigned long instruments;	/* instrument records */
	unsigned long instruments_created, instruments_updated;
	unsigned long rejected;		/* bad records, not loaded */
	unsigned long batches;		/* transactions committed */
};

struct mdx_load;

/* Checks the schema version, prepares the staging tables and opens the
 * run (a row of mdx.run with program mdx-load and these args). */
struct mdx_load *mdx_load_begin(PGconn *c, const char *args, size_t batch);
/* Offers one canonical NDJSON line.  Returns 0, or -1 with the reason in
 * err when the record is bad (counted as rejected, not loaded). */
int mdx_load_line(struct mdx_load *l, const char *line, size_t len,
    char *err, size_t errsz);
/* Counts a line the reader already found bad as read and rejected. */
void mdx_load_reject(struct mdx_load *l);
/* Writes the pending batch. */
void mdx_load_flush(struct mdx_load *l);
/* Records the lake objects (URIs) as loaded by this run. */
void mdx_load_objects(struct mdx_load *l, char *const *uris, int n);
/* Ends the run row: status 0 is ok, anything else failed (message said). */
void mdx_load_finish(struct mdx_load *l, int status, const char *message);
int64_t mdx_load_run_id(const struct mdx_load *l);
const struct mdx_load_counts *mdx_load_counts(const struct mdx_load *l);
void mdx_load_free(struct mdx_load *l);

#endif /* MDX_LOAD_H */
