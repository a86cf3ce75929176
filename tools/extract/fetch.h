/*
 * fetch.h - fetching (fetch.c): many HTTPS GETs at once over libcurl's
 * multi interface, inside the exchanges' rate limits, retrying what may
 * succeed on a second try.
 *
 * The engine never sends a request that would take a rate limit past its
 * budget (opts.share of the published limit; for Binance the used weight
 * the exchange reports counts too), spent together with every other
 * process of the host through the shared budgets of budget.h.  A 429 or
 * 418 (Bybit: 403 "access too frequent") pauses every request to that
 * exchange, in every such process, for the Retry-After the exchange gave
 * (a 418 without a readable one: 3 days); a pause longer than
 * opts.max_wait ends the request instead, and every later one until the
 * pause ends.
 * Transfer errors (timeouts, resets, truncated bodies), 5xx answers and
 * HTML pages are retried with exponential backoff and full jitter, at most
 * opts.tries attempts in all.  Certificates are always verified.
 */
#ifndef MDX_FETCH_H
#define MDX_FETCH_H

#include "buf.h"
#include "utc.h"
#include "exchange.h"

struct mdx_fetch;

struct mdx_fetch_opts {
	int connections;	/* transfers at once per exchange */
	long timeout;		/* ms for one whole transfer */
	int tries;		/* attempts per request */
	long max_wait;		/* the longest Retry-After honoured, ms */
	double share;		/* share of each rate limit to use */
	long backoff;		/* first backoff ceiling, ms */
	const char *state_dir;	/* the shared rate budgets (budget.h) are
				   in its ratelimit/; NULL: in the process */
};

struct mdx_fetch_req {
	/* Set by the caller before mdx_fetch_submit(). */
	struct mdx_buf url;		/* the whole URL */
	struct mdx_buf what;		/* "GET /path?query", for messages */
	const struct mdx_ratelimit *rl;
	int weight;
	void *udata;
	/* Set when mdx_fetch_wait() returns the request. */
	int ok;			/* an answer came: http, body */
	long http;
	struct mdx_buf body;
	mdx_time fetched_at;
	int tries;		/* attempts made */
	int status;		/* !ok: the exit status it calls for */
	char why[320];		/* !ok: why it was given up */
	/* Private to the engine. */
	void *easy, *exch;
	mdx_time ready_at, sent_at;
	int limited;
	long retry_after, used_weight;
	int html;
	struct mdx_fetch_req *next;
};

struct mdx_fetch_stats {
	unsigned long requests;	/* transfers started */
	unsigned long retries;	/* of them, repeats */
	unsigned long limited;	/* 429, 418 and the like received */
	unsigned long weight;	/* weight spent */
};

struct mdx_fetch *mdx_fetch_new(const struct mdx_fetch_opts *o);
void mdx_fetch_free(struct mdx_fetch *f);
/* Replaces the published limit of rl (for example --weight-limit). */
void mdx_fetch_set_limit(struct mdx_fetch *f, const struct mdx_ratelimit *rl,
    int limit);
/* Initialises and frees the buffers of a request. */
void mdx_fetch_req_init(struct mdx_fetch_req *r);
void mdx_fetch_req_free(struct mdx_fetch_req *r);
/* Queues r; the caller keeps r alive until mdx_fetch_wait() returns it. */
void mdx_fetch_submit(struct mdx_fetch *f, struct mdx_fetch_req *r);
/*
 * Queues r again after its answer proved bad (invalid JSON, an exchange
 * error that says to try later; limited: the exchange said too many
 * requests).  Returns 0, or -1 when r has had all its tries (then r->why
 * and r->status say so and r is not queued).
 */
int mdx_fetch_retry(struct mdx_fetch *f, struct mdx_fetch_req *r,
    const char *why, int limited);
/* Runs transfers until a request is finished and returns it; NULL when
 * max_ms passed first or nothing is queued. */
struct mdx_fetch_req *mdx_fetch_wait(struct mdx_fetch *f, long max_ms);
/* Requests queued or under way. */
int mdx_fetch_outstanding(const struct mdx_fetch *f);
void mdx_fetch_get_stats(const struct mdx_fetch *f,
    struct mdx_fetch_stats *st);

#endif /* MDX_FETCH_H */
