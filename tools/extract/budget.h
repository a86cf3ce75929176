/*
 * budget.h - rate budgets (budget.c): what an exchange's rate limits have
 * spent, and any pause a 429 or 418 called for, shared by every
 * mdx-extract process of the host.
 *
 * The exchanges count per source address, not per process: cron's ingest,
 * a backfill and a repair running at once spend one budget.  So the state
 * of the limits of one exchange at one host (its URL's host and port) is
 * kept in one small text file, $MDX_STATE/ratelimit/EXCHANGE@HOST, read and
 * rewritten under an fcntl(2) lock that is held only for that: a process
 * that dies holding it loses it with its descriptors, and never blocks the
 * others.  Without a directory the state stays in the process.
 *
 * The file (mdx-extract(1) FILES) holds lines of space-separated words:
 *
 *	mdx-ratelimit 1
 *	pause UNTIL_MS WHY...		nothing is sent before UNTIL_MS
 *	fixed NAME WINDOW_MS USED PREV	a fixed-window limit (Binance)
 *	slide NAME MS:W MS:W ...	a sliding-window limit (Bybit, OKX):
 *					what was sent in the last period
 *
 * NAME is the limit's name with "-" for spaces ("binance-spot").  A line
 * that cannot be read is dropped: it costs at most one window's count.
 */
#ifndef MDX_BUDGET_H
#define MDX_BUDGET_H

#include "utc.h"
#include "exchange.h"

struct mdx_budget;

/* What mdx_budget_take() decided. */
enum mdx_budget_take {
	MDX_BUDGET_TAKEN,	/* the weight is reserved: send now */
	MDX_BUDGET_WAIT,	/* the window is spent until *wake */
	MDX_BUDGET_PAUSED	/* a 429 or 418 paused the exchange until
				   *wake; mdx_budget_why() says which */
};

/*
 * The budget of exchange at host, shared through a file under dir (NULL:
 * kept in the process).  Ends the program (exit 74) when the file cannot
 * be made: a budget that is not shared could draw a ban.
 */
struct mdx_budget *mdx_budget_open(const char *dir, const char *exchange,
    const char *host);
void mdx_budget_free(struct mdx_budget *b);
/* The state file, or "(in memory)". */
const char *mdx_budget_path(const struct mdx_budget *b);

/*
 * Reserves weight w against rl, whose budget is limit, at now (real time,
 * ms).  inflight is the weight this process has under way against rl: the
 * exchange may count it in a window that starts while it travels.
 */
enum mdx_budget_take mdx_budget_take(struct mdx_budget *b,
    const struct mdx_ratelimit *rl, int limit, int w, int inflight,
    mdx_time now, mdx_time *wake);

/*
 * The exchange reported used (its count of the weight used in its window)
 * in the answer to a request sent at sent_at: a count above the shared one
 * (other programs on the address, or clocks apart) raises it.
 */
void mdx_budget_seen(struct mdx_budget *b, const struct mdx_ratelimit *rl,
    long used, int inflight, mdx_time sent_at, mdx_time now);

/* Nothing is to be sent to the exchange before until, for the reason why
 * (which names the answer that called for it). */
void mdx_budget_pause(struct mdx_budget *b, mdx_time until, const char *why);

/* The reason of the pause mdx_budget_take() last found in force. */
const char *mdx_budget_why(const struct mdx_budget *b);

#endif /* MDX_BUDGET_H */
