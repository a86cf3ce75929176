/*
 * mdx.h - libmdx, the library the mdx programs share (mdx-extract, mdx-lake,
 * mdx-transform, mdx-load, mdx-aggregate and mdx-indicators): one header
 * per module, each documenting its API; this one includes them all, for a
 * program that wants the whole library at once.  A module's own code
 * includes only the headers it uses, so that changing one API rebuilds only
 * what depends on it.
 *
 * Every function and type has an mdx_ prefix.  Functions that can only
 * fail through a programming error or memory exhaustion do not return an
 * error: they end the program with a message (memory exhaustion exits 1).
 * Functions whose failure depends on input return a status the caller must
 * check, and leave a human-readable reason where the comment says so.
 *
 * The library is linked statically into each program; it is not installed.
 * What only one program uses lives in that program's directory under
 * tools/, not here.
 */
#ifndef MDX_H
#define MDX_H

#include "err.h"	/* exit statuses, messages, allocation */
#include "opt.h"	/* the command line: common options, values */
#include "utf8.h"	/* UTF-8 validation */
#include "buf.h"	/* the growable buffer */
#include "ndjson.h"	/* the NDJSON reader and the checked writer */
#include "json.h"	/* the JSON line parser */
#include "dec.h"	/* exact decimals */
#include "utc.h"	/* UTC time and interval codes */
#include "market.h"	/* the exchanges and markets mdx knows */
#include "candle.h"	/* the canonical candle record */
#include "deriv.h"	/* funding events and open-interest samples */
#include "watch.h"	/* the watchlist */
#include "db.h"		/* the warehouse connection and migrations */
#include "copy.h"	/* COPY rows, text and binary */
#include "sha256.h"	/* SHA-256 checksums */
#include "hash.h"	/* FNV-1a for in-memory tables */

#endif /* MDX_H */
