/*
 * budget.c - the rate budgets of an exchange, shared by every mdx-extract
 * process of the host through a small state file under a lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "buf.h"
#include "utc.h"

#include "exchange.h"
#include "budget.h"

/*
 * Extra wait after a fixed window starts, for clocks that disagree: right
 * after the start the exchange may still count in the window before.
 */
#define WINDOW_GUARD 250
/* How much longer than its period a sliding-window entry counts. */
#define SLIDE_GUARD 200
/* The limits of one exchange a file holds at most. */
#define MAX_ENTRIES 16

struct sent {
	mdx_time t;
	int w;
};

/* The state of one limit. */
struct entry {
	char name[48];
	int fixed;
	mdx_time win;		/* fixed: start of the current window */
	int used, prev;		/* fixed: used in it and in the one before */
	struct sent *log;	/* sliding: what was sent, oldest first */
	size_t nlog, caplog;
};

struct mdx_budget {
	char *path;
	int fd;			/* -1: not shared */
	mdx_time pause;
	char why[256];
	struct entry ent[MAX_ENTRIES];
	int nent;
	struct mdx_buf io;
};

struct mdx_budget *
mdx_budget_open(const char *dir, const char *exchange, const char *host)
{
	struct mdx_budget *b;
	char *p;

	b = mdx_calloc(1, sizeof(*b));
	b->fd = -1;
	mdx_buf_init(&b->io);
	if (dir == NULL) {
		b->path = mdx_strdup("(in memory)");
		return b;
	}
	b->path = mdx_strfmt("%s/ratelimit/%s@%s", dir, exchange, host);
	/* A host is a name or an address and a port: keep it one path
	 * component. */
	for (p = b->path + strlen(dir) + strlen("/ratelimit/"); *p != '\0';
	    p++)
		if (*p == '/')
			*p = '_';
	if (mdx_mkdirs(b->path) == -1 ||
	    (b->fd = open(b->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) == -1)
		mdx_die(MDX_EX_IOERR, "cannot open the rate budget '%s': %s",
		    b->path, strerror(errno));
	return b;
}

void
mdx_budget_free(struct mdx_budget *b)
{
	int i;

	if (b == NULL)
		return;
	if (b->fd != -1)
		close(b->fd);
	for (i = 0; i < b->nent; i++)
		free(b->ent[i].log);
	mdx_buf_free(&b->io);
	free(b->path);
	free(b);
}

const char *
mdx_budget_path(const struct mdx_budget *b)
{
	return b->path;
}

const char *
mdx_budget_why(const struct mdx_budget *b)
{
	return b->why;
}

static struct entry *
entry_named(struct mdx_budget *b, const char *name, size_t n, int fixed)
{
	struct entry *e;
	int i;

	if (n >= sizeof(b->ent[0].name))
		return NULL;
	for (i = 0; i < b->nent; i++)
		if (strlen(b->ent[i].name) == n &&
		    memcmp(b->ent[i].name, name, n) == 0)
			return &b->ent[i];
	if (b->nent == MAX_ENTRIES)
		return NULL;
	e = &b->ent[b->nent++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, n);
	e->fixed = fixed;
	return e;
}

/* The entry of rl: its name with "-" for spaces, so that it is one word. */
static struct entry *
entry_of(struct mdx_budget *b, const struct mdx_ratelimit *rl)
{
	char name[48];
	struct entry *e;
	size_t i;

	snprintf(name, sizeof(name), "%s", rl->name);
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == ' ')
			name[i] = '-';
	if ((e = entry_named(b, name, strlen(name), rl->fixed_window)) ==
	    NULL)
		mdx_die(MDX_EX_FAIL, "too many rate limits");
	return e;
}

static void
log_add(struct entry *e, mdx_time t, int w)
{
	if (e->nlog == e->caplog) {
		e->caplog = e->caplog ? e->caplog * 2 : 64;
		e->log = mdx_realloc(e->log, e->caplog * sizeof(*e->log));
	}
	e->log[e->nlog].t = t;
	e->log[e->nlog].w = w;
	e->nlog++;
}

/* Reads one line of the file into the state; a bad line is dropped. */
static void
parse_line(struct mdx_budget *b, char *s)
{
	char name[48], *p, *end;
	long long a, c, d;
	struct entry *e;
	int n = 0;

	if (sscanf(s, "pause %lld %n", &a, &n) == 1 && n > 0) {
		b->pause = a;
		snprintf(b->why, sizeof(b->why), "%s", s + n);
	} else if (sscanf(s, "fixed %47s %lld %lld %lld", name, &a, &c, &d) ==
	    4 && c >= 0 && d >= 0 && c <= INT32_MAX && d <= INT32_MAX) {
		if ((e = entry_named(b, name, strlen(name), 1)) != NULL &&
		    e->fixed) {
			e->win = a;
			e->used = (int)c;
			e->prev = (int)d;
		}
	} else if (sscanf(s, "slide %47s %n", name, &n) == 1 && n > 0) {
		if ((e = entry_named(b, name, strlen(name), 0)) == NULL ||
		    e->fixed)
			return;
		for (p = s + n; *p != '\0';) {
			a = strtoll(p, &end, 10);
			if (end == p || *end != ':')
				break;
			c = strtoll(end + 1, &p, 10);
			if (c < 0 || c > INT32_MAX)
				break;
			log_add(e, a, (int)c);
			while (*p == ' ')
				p++;
		}
	}
}

/*
 * Locks the file and reads the state from it.  The file is the truth:
 * what this process knew before is replaced.
 */
static void
load(struct mdx_budget *b)
{
	struct flock fl;
	char *s, *nl;
	ssize_t n;
	int i;

	if (b->fd == -1)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(b->fd, F_SETLKW, &fl) == -1)
		if (errno != EINTR)
			mdx_die(MDX_EX_IOERR, "cannot lock the rate budget "
			    "'%s': %s", b->path, strerror(errno));
	mdx_buf_reset(&b->io);
	for (;;) {
		mdx_buf_grow(&b->io, 4096);
		n = pread(b->fd, b->io.data + b->io.len, b->io.cap -
		    b->io.len - 1, (off_t)b->io.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			mdx_die(MDX_EX_IOERR, "cannot read the rate budget "
			    "'%s': %s", b->path, strerror(errno));
		if (n == 0)
			break;
		b->io.len += (size_t)n;
	}
	b->io.data[b->io.len] = '\0';
	b->pause = 0;
	b->why[0] = '\0';
	for (i = 0; i < b->nent; i++) {
		b->ent[i].win = 0;
		b->ent[i].used = b->ent[i].prev = 0;
		b->ent[i].nlog = 0;
	}
	for (s = b->io.data; *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			break;	/* a line cut short is not read */
		*nl = '\0';
		parse_line(b, s);
	}
}

/* Writes the state back (when changed) and unlocks the file. */
static void
save(struct mdx_budget *b, int changed)
{
	struct flock fl;
	struct entry *e;
	size_t j, off;
	ssize_t n;
	int i;

	if (b->fd == -1)
		return;
	if (changed) {
		mdx_buf_reset(&b->io);
		mdx_buf_addstr(&b->io, "mdx-ratelimit 1\n");
		if (b->pause > 0)
			mdx_buf_printf(&b->io, "pause %" PRId64 " %s\n",
			    (int64_t)b->pause, b->why);
		for (i = 0; i < b->nent; i++) {
			e = &b->ent[i];
			if (e->fixed) {
				mdx_buf_printf(&b->io, "fixed %s %" PRId64
				    " %d %d\n", e->name, (int64_t)e->win,
				    e->used, e->prev);
				continue;
			}
			mdx_buf_printf(&b->io, "slide %s", e->name);
			for (j = 0; j < e->nlog; j++)
				mdx_buf_printf(&b->io, " %" PRId64 ":%d",
				    (int64_t)e->log[j].t, e->log[j].w);
			mdx_buf_addch(&b->io, '\n');
		}
		/* One write of a few bytes, then the length: a reader under
		 * the lock never sees half of it. */
		for (off = 0; off < b->io.len; off += (size_t)n)
			if ((n = pwrite(b->fd, b->io.data + off, b->io.len -
			    off, (off_t)off)) == -1 && errno != EINTR)
				mdx_die(MDX_EX_IOERR, "cannot write the rate "
				    "budget '%s': %s", b->path,
				    strerror(errno));
			else if (n == -1)
				n = 0;
		if (ftruncate(b->fd, (off_t)b->io.len) == -1)
			mdx_die(MDX_EX_IOERR, "cannot write the rate budget "
			    "'%s': %s", b->path, strerror(errno));
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	fcntl(b->fd, F_SETLK, &fl);
}

/*
 * Moves a fixed window to the one holding now.  Requests still under way
 * may be counted in the new window by the exchange: they count there too.
 */
static int
fixed_roll(struct entry *e, const struct mdx_ratelimit *rl, int inflight,
    mdx_time now)
{
	mdx_time w = now - now % rl->period;

	if (w == e->win)
		return 0;
	e->prev = w == e->win + rl->period ? e->used : 0;
	e->win = w;
	e->used = inflight;
	return 1;
}

/*
 * Drops sliding-window entries older than the period and the guard: the
 * exchange counts a request when it arrives, and one sent earlier may have
 * been slower on the way than the next, so an entry is kept a little
 * longer than the period.
 */
static int
slide_expire(struct entry *e, const struct mdx_ratelimit *rl, mdx_time now)
{
	size_t i;

	for (i = 0; i < e->nlog &&
	    e->log[i].t <= now - rl->period - SLIDE_GUARD; i++)
		;
	if (i == 0)
		return 0;
	memmove(e->log, e->log + i, (e->nlog - i) * sizeof(*e->log));
	e->nlog -= i;
	return 1;
}

enum mdx_budget_take
mdx_budget_take(struct mdx_budget *b, const struct mdx_ratelimit *rl,
    int limit, int w, int inflight, mdx_time now, mdx_time *wake)
{
	struct entry *e;
	mdx_time t;
	size_t i;
	int used, changed;

	load(b);
	if (b->pause > now) {
		*wake = b->pause;
		save(b, 0);
		return MDX_BUDGET_PAUSED;
	}
	e = entry_of(b, rl);
	if (e->fixed) {
		changed = fixed_roll(e, rl, inflight, now);
		if (e->used + w <= limit && (now - e->win >= WINDOW_GUARD ||
		    e->prev + e->used + w <= limit)) {
			e->used += w;
			save(b, 1);
			return MDX_BUDGET_TAKEN;
		}
		*wake = e->used + w <= limit ? e->win + WINDOW_GUARD :
		    e->win + rl->period + WINDOW_GUARD;
		save(b, changed);
		return MDX_BUDGET_WAIT;
	}
	changed = slide_expire(e, rl, now);
	for (used = 0, i = 0; i < e->nlog; i++)
		used += e->log[i].w;
	if (used + w <= limit) {
		log_add(e, now, w);
		save(b, 1);
		return MDX_BUDGET_TAKEN;
	}
	/* When enough of the log has expired. */
	for (i = 0; i < e->nlog; i++) {
		used -= e->log[i].w;
		if (used + w <= limit)
			break;
	}
	t = i < e->nlog ? e->log[i].t : now;
	*wake = t + rl->period + SLIDE_GUARD;
	save(b, changed);
	return MDX_BUDGET_WAIT;
}

void
mdx_budget_seen(struct mdx_budget *b, const struct mdx_ratelimit *rl,
    long used, int inflight, mdx_time sent_at, mdx_time now)
{
	struct entry *e;
	int changed;

	if (!rl->fixed_window || used < 0)
		return;
	load(b);
	e = entry_of(b, rl);
	changed = fixed_roll(e, rl, inflight, now);
	/* Only an answer to a request sent in this window tells about this
	 * window: one sent before may have been counted in the one before. */
	if (sent_at >= e->win && used + inflight > e->used &&
	    used + inflight <= INT32_MAX) {
		e->used = (int)used + inflight;
		changed = 1;
	}
	save(b, changed);
}

void
mdx_budget_pause(struct mdx_budget *b, mdx_time until, const char *why)
{
	char *p;
	int changed = 0;

	load(b);
	if (until > b->pause) {
		b->pause = until;
		snprintf(b->why, sizeof(b->why), "%s", why);
		for (p = b->why; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		changed = 1;
	}
	save(b, changed);
}
