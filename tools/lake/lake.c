/*
 * lake.c - the lake's catalog and the commands on it: put, cat, commit, ls,
 * archive, prune, stats and verify.  The storage itself is lakestore.c.
 *
 * What is stored under a partition directory
 * (PREFIX/exchange=E/market=M/kind=K/symbol=S[/interval=I]/date=D):
 *
 *	NAME.ndjson.gz			an object: gzip-compressed NDJSON
 *	compact-NAME.ndjson.gz		a compacted object: the day's objects'
 *					records, concatenated, gzip NDJSON
 *	.tmp-*				a write in progress (local only)
 *
 * and their manifests (one JSON line each) under _manifests/, in a tree of
 * their own (_manifests/PREFIX/.../date=D/NAME.manifest), so that an
 * engine reading PREFIX/ (DuckDB, Spark, Athena) finds data files only.
 * Lakes written before kept the manifest beside its data
 * (NAME.ndjson.gz.manifest) and archived days as archive-NAME.tar.zst
 * (a tar of the decompressed objects); both are still read, and
 * "mdx-lake migrate" moves them to the present layout.
 *
 * An object is visible only once its manifest exists, and the manifest is
 * written after the data, so a reader never sees a partial write.  An
 * object named in the manifest of a compacted object or archive of its
 * directory is "covered": the compacted object holds it, and the object
 * itself is a leftover the archive command deletes; so is a tar archive a
 * compacted object replaces.  Consumer marks live under _marks/.
 */
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "err.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"
#include "sha256.h"

#include "lake.h"
#include "lake_int.h"

const char *const mdx_lake_field_names[MDX_LF_N] = {
	"exchange", "market", "kind", "symbol", "interval", "date"
};

#define CHUNK (256 * 1024)
#define MARKS "_marks"
#define MANIFESTS "_manifests"

/* ------------------------------------------------------------------------
 * Opening, names and values.
 */

struct mdx_lake *
mdx_lake_open(const char *root, int must_exist)
{
	struct mdx_lake *l;
	int rc;

	if (root == NULL || *root == '\0')
		root = getenv("MDX_LAKE");
	if (root == NULL || *root == '\0')
		root = "./var/lake";
	l = mdx_calloc(1, sizeof(*l));
	if (strncmp(root, "s3://", 5) == 0)
		rc = lake_open_s3(l, root);
	else if (strstr(root, "://") != NULL)
		rc = lake_fail(l, MDX_EX_CONFIG, "unknown lake \"%s\": use a "
		    "directory or s3://bucket/prefix", root);
	else
		rc = lake_open_local(l, root, must_exist);
	if (rc == -1)
		lake_die(l);
	return l;
}

void
mdx_lake_close(struct mdx_lake *l)
{
	if (l == NULL)
		return;
	l->be->close(l);
	free(l->display);
	free(l->dir);
	free(l->bucket);
	free(l->kprefix);
	free(l->host);
	free(l->akid);
	free(l);
}

const char *
mdx_lake_check_value(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return "is empty";
	if (n > MDX_LAKE_VALUE_MAX)
		return "is longer than 64 bytes";
	if (s[0] == '.')
		return "starts with a dot";
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '/')
			return "contains '/'";
		if (c == '\0')
			return "contains NUL";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return "contains a character other than "
			    "A-Z a-z 0-9 . _ -";
	}
	return NULL;
}

/* Appends s[0..n) for a message: printable ASCII as is, anything else as
 * \xNN, cut after 64 bytes, so hostile data cannot garble a terminal. */
static void
add_shown(struct mdx_buf *b, const char *s, size_t n)
{
	size_t i;

	mdx_buf_addch(b, '"');
	for (i = 0; i < n && i < 64; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			mdx_buf_printf(b, "\\x%02x", c);
		else
			mdx_buf_addch(b, c);
	}
	mdx_buf_addch(b, '"');
	if (n > 64)
		mdx_buf_addstr(b, "...");
}

/*
 * A test hook: MDX_LAKE_KILL_AT=STEP kills the program with SIGKILL at that
 * step, the way a crash or kill -9 would, so the tests can show that no
 * step leaves a partial object visible or loses data.  The steps are
 * put-object (an object's data is stored, its manifest not yet),
 * archive-written (an archive is written, not yet committed),
 * archive-committed, archive-manifest and archive-delete (one original
 * deleted).
 */
static void
kill_point(const char *step)
{
	const char *k = getenv("MDX_LAKE_KILL_AT");

	if (k != NULL && strcmp(k, step) == 0)
		raise(SIGKILL);
}

static void
stamp(char *buf, size_t sz)
{
	struct timespec ts;
	struct mdx_tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	mdx_time_split((mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &tm);
	snprintf(buf, sz, "%04d%02d%02dT%02d%02d%02d%03dZ", tm.year, tm.month,
	    tm.day, tm.hour, tm.min, tm.sec, tm.ms);
}

static void
fmt_time(mdx_time t, char *buf)
{
	mdx_time_format(t, buf);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ------------------------------------------------------------------------
 * Selection.
 */

void
mdx_lake_sel_init(struct mdx_lake_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->since = INT64_MIN;
	s->until = INT64_MAX;
}

int
mdx_lake_sel_add(struct mdx_lake_sel *s, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '='), *p, *c;
	size_t n;
	int f, neg;

	if (eq == NULL) {
		*why = "not FIELD=VALUE";
		return -1;
	}
	n = (size_t)(eq - arg);
	neg = n > 0 && arg[n - 1] == '!';
	if (neg)
		n--;
	for (f = 0; f < MDX_LF_N; f++)
		if (strlen(mdx_lake_field_names[f]) == n &&
		    strncmp(arg, mdx_lake_field_names[f], n) == 0)
			break;
	if (f == MDX_LF_N) {
		*why = "unknown field (exchange, market, kind, symbol, "
		    "interval, date)";
		return -1;
	}
	for (p = eq + 1;; p = c + 1) {
		c = strchr(p, ',');
		if (mdx_lake_check_value(p, c ? (size_t)(c - p) : strlen(p)) !=
		    NULL) {
			*why = "not a partition value";
			return -1;
		}
		if (c == NULL)
			break;
	}
	if (neg)
		s->notvalue[f] = eq + 1;
	else
		s->value[f] = eq + 1;
	return 0;
}

static int
value_matches(const char *list, const char *v)
{
	size_t n = v ? strlen(v) : 0;
	const char *p, *c;

	if (list == NULL)
		return 1;
	if (v == NULL)
		return 0;
	for (p = list;; p = c + 1) {
		c = strchr(p, ',');
		if ((c ? (size_t)(c - p) : strlen(p)) == n &&
		    strncmp(p, v, n) == 0)
			return 1;
		if (c == NULL)
			return 0;
	}
}

/* ------------------------------------------------------------------------
 * The catalog: what a listing shows, grouped by object.
 */
enum { IT_OBJECT, IT_ARCHIVE, IT_COMPACT, IT_TEMP, IT_OTHER };

/* Where an item's manifest is: under _manifests/, or beside the data
 * (the layout of older lakes); both while a migration is under way. */
#define MAN_NEW 1
#define MAN_OLD 2

struct item {
	char *dir;		/* PREFIX/exchange=.../date=D */
	char *name;		/* file name without ".manifest" */
	char *prefix;
	char *v[MDX_LF_N];
	char *series;		/* dir without its date */
	mdx_time day;		/* the partition date */
	int type;
	int has_data, has_man;	/* has_man: MAN_NEW | MAN_OLD */
	int in_man;		/* a temporary file under _manifests/ */
	uint64_t size;		/* of the data */
	int64_t mtime;
	json_t *man;
	int covered;
	/* from the manifest */
	int64_t rows;
	uint64_t bytes;
	mdx_time tmin, tmax;
	const char *sha256;
};

struct catalog {
	struct item *it;
	size_t n;
};

static void
item_free(struct item *it)
{
	int f;

	for (f = 0; f < MDX_LF_N; f++)
		free(it->v[f]);
	free(it->dir);
	free(it->name);
	free(it->prefix);
	free(it->series);
	if (it->man != NULL)
		json_decref(it->man);
}

static void
catalog_free(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		item_free(&c->it[i]);
	free(c->it);
	c->it = NULL;
	c->n = 0;
}

/*
 * Splits a key into an item; returns 0, or -1 for keys that are not part
 * of a partition (marks, files elsewhere).
 */
static int
parse_key(const char *key, struct item *it, int *is_man)
{
	char *copy, *comp[16], *p, *slash;
	int n = 0, f, i, k, in_man = 0;

	memset(it, 0, sizeof(*it));
	*is_man = 0;
	if (strncmp(key, MANIFESTS "/", sizeof(MANIFESTS)) == 0) {
		key += sizeof(MANIFESTS);
		in_man = 1;
	}
	if (key[0] == '_' || key[0] == '.')
		return -1;
	copy = mdx_strdup(key);
	for (p = copy; n < 16; p = slash + 1) {
		comp[n++] = p;
		if ((slash = strchr(p, '/')) == NULL)
			break;
		*slash = '\0';
	}
	if (slash != NULL || n < 7 || n > 8) {
		free(copy);
		return -1;
	}
	it->prefix = mdx_strdup(comp[0]);
	for (i = 1, f = 0; i < n - 1; i++, f++) {
		if (f == MDX_LF_INTERVAL && n == 7)
			f++;
		k = strlen(mdx_lake_field_names[f]);
		if (strncmp(comp[i], mdx_lake_field_names[f], k) != 0 ||
		    comp[i][k] != '=' ||
		    mdx_lake_check_value(comp[i] + k + 1,
		    strlen(comp[i] + k + 1)) != NULL)
			goto bad;
	}
	if (mdx_time_parse_rfc3339(strchr(comp[n - 2], '=') + 1, 10,
	    &it->day) == -1)
		goto bad;
	/* Rebuild the directory and keep pointers to the values in it. */
	{
		struct mdx_buf b = MDX_BUF_INIT;
		size_t off[MDX_LF_N];

		for (f = 0; f < MDX_LF_N; f++)
			off[f] = SIZE_MAX;
		mdx_buf_addstr(&b, comp[0]);
		for (i = 1, f = 0; i < n - 1; i++, f++) {
			if (f == MDX_LF_INTERVAL && n == 7)
				f++;
			mdx_buf_addch(&b, '/');
			if (f == MDX_LF_DATE) {
				it->series = mdx_strndup(b.data, b.len - 1);
			}
			off[f] = b.len + strlen(mdx_lake_field_names[f]) + 1;
			mdx_buf_addstr(&b, comp[i]);
		}
		it->dir = mdx_buf_detach(&b, NULL);
		/* Values are copied out, NUL-terminated, after the dir. */
		for (f = 0; f < MDX_LF_N; f++) {
			const char *s;

			if (off[f] == SIZE_MAX)
				continue;
			s = it->dir + off[f];
			it->v[f] = mdx_strndup(s, strcspn(s, "/"));
		}
	}
	p = comp[n - 1];
	if (strncmp(p, ".tmp-", 5) != 0 && ends_with(p, ".manifest")) {
		*is_man = in_man ? MAN_NEW : MAN_OLD;
		p[strlen(p) - 9] = '\0';
	} else if (in_man && strncmp(p, ".tmp-", 5) != 0)
		goto bad;
	/* A write in progress in the manifests' tree. */
	it->in_man = in_man && !*is_man;
	it->name = mdx_strdup(p);
	if (strncmp(p, ".tmp-", 5) == 0)
		it->type = IT_TEMP;
	else if (strncmp(p, "compact-", 8) == 0 && ends_with(p, ".ndjson.gz"))
		it->type = IT_COMPACT;
	else if (ends_with(p, ".ndjson.gz"))
		it->type = IT_OBJECT;
	else if (ends_with(p, ".tar.zst") || ends_with(p, ".tar.gz"))
		it->type = IT_ARCHIVE;
	else
		it->type = IT_OTHER;
	free(copy);
	return 0;
bad:
	item_free(it);
	memset(it, 0, sizeof(*it));
	free(copy);
	return -1;
}

static int
item_cmp_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if ((c = strcmp(x->dir, y->dir)) != 0)
		return c;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->in_man - y->in_man;
}

static int
sel_matches(const struct mdx_lake_sel *s, const struct item *it)
{
	int f;

	if (s == NULL)
		return 1;
	if (s->prefix != NULL && strcmp(s->prefix, it->prefix) != 0)
		return 0;
	for (f = 0; f < MDX_LF_N; f++)
		if (!value_matches(s->value[f], it->v[f]) ||
		    (s->notvalue[f] != NULL && it->v[f] != NULL &&
		    value_matches(s->notvalue[f], it->v[f])))
			return 0;
	if (s->has_since && it->day + MDX_MS_DAY <= s->since)
		return 0;
	if (s->has_until && it->day >= s->until)
		return 0;
	return 1;
}

/* Reads a whole (small) stored object into b; 0 ok, -1 with l->err. */
static int
get_small(struct mdx_lake *l, const char *key, struct mdx_buf *b)
{
	char chunk[8192];
	ssize_t k;
	int fd;

	mdx_buf_reset(b);
	if ((fd = l->be->get(l, key)) == -1)
		return -1;
	while ((k = read(fd, chunk, sizeof(chunk))) != 0) {
		if (k == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return lake_fail(l, MDX_EX_IOERR, "cannot read \"%s\": %s",
			    key, strerror(errno));
		}
		mdx_buf_add(b, chunk, k);
	}
	close(fd);
	mdx_buf_addstr(b, "");
	return 0;
}

/* Writes data as the whole object key, atomically. */
static int
put_small(struct mdx_lake *l, const char *key, const void *data, size_t n)
{
	struct lake_file f;

	if (l->be->create(l, key, &f) == -1)
		return -1;
	if (lake_write_all(f.fd, data, n) == -1) {
		lake_fail(l, MDX_EX_IOERR, "cannot write \"%s\": %s", key,
		    strerror(errno));
		l->be->discard(l, &f);
		return -1;
	}
	return l->be->commit(l, &f);
}

static char *
item_key(const struct item *it, const char *suffix)
{
	return mdx_strfmt("%s%s/%s%s", it->in_man ? MANIFESTS "/" : "",
	    it->dir, it->name, suffix);
}

/* The key of the manifest of the data file dir/name: under _manifests/,
 * or (old) beside it. */
static char *
man_key(const char *dir, const char *name, int where)
{
	if (where == MAN_OLD)
		return mdx_strfmt("%s/%s.manifest", dir, name);
	return mdx_strfmt("%s/%s/%s.manifest", MANIFESTS, dir, name);
}

/* The key of the manifest an item is read from: the new one when both
 * are there (a migration that stopped halfway; they are the same). */
static char *
item_man_key(const struct item *it)
{
	return man_key(it->dir, it->name, it->has_man & MAN_NEW ? MAN_NEW :
	    MAN_OLD);
}

static mdx_time
json_time(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	mdx_time t;

	if (s == NULL || mdx_time_parse_rfc3339(s, strlen(s), &t) == -1)
		return INT64_MIN;
	return t;
}

/* Loads and checks the manifest of an item; 0 ok, -1 unreadable or bad
 * (reason in why). */
static int
load_manifest(struct mdx_lake *l, struct item *it, char *why, size_t whysz)
{
	struct mdx_buf b = MDX_BUF_INIT;
	json_error_t je;
	char *key;
	json_t *m;

	key = item_man_key(it);
	if (get_small(l, key, &b) == -1) {
		free(key);
		mdx_buf_free(&b);
		/* Deleted since the listing (archive or prune at work). */
		if (l->notfound)
			return -2;
		if (l->errstatus != MDX_EX_IOERR)
			lake_die(l);
		snprintf(why, whysz, "%s", l->err);
		return -1;
	}
	free(key);
	m = json_loadb(b.data, b.len, 0, &je);
	mdx_buf_free(&b);
	if (m == NULL || !json_is_object(m) ||
	    !json_is_string(json_object_get(m, "sha256")) ||
	    !json_is_integer(json_object_get(m, "bytes")) ||
	    !json_is_integer(json_object_get(m, "rows")) ||
	    ((it->type == IT_ARCHIVE || it->type == IT_COMPACT) &&
	    !json_is_array(json_object_get(m, "members")))) {
		snprintf(why, whysz, "bad manifest");
		if (m != NULL)
			json_decref(m);
		return -1;
	}
	it->man = m;
	it->rows = json_integer_value(json_object_get(m, "rows"));
	it->bytes = json_integer_value(json_object_get(m, "bytes"));
	it->sha256 = json_string_value(json_object_get(m, "sha256"));
	it->tmin = json_time(m, "min_time");
	it->tmax = json_time(m, "max_time");
	return 0;
}

/* Marks the item dir/name of the given type covered, if the catalog
 * (sorted by directory and name) has it. */
static void
cover(struct catalog *c, char *dir, const char *name, int type)
{
	struct item want, *hit;

	if (name == NULL)
		return;
	want.dir = dir;
	want.name = (char *)name;
	want.in_man = 0;
	hit = bsearch(&want, c->it, c->n, sizeof(*c->it), item_cmp_key);
	if (hit != NULL && hit->type == type)
		hit->covered = 1;
}

/*
 * Lists the keys under where (with their manifests under _manifests/) and
 * builds the catalog of the selected items; "" lists the whole lake in
 * one listing.  With manifests, loads the manifest of every item that has
 * one and marks the objects archives cover; a manifest that cannot be
 * read is reported (and the item left without one) unless quiet.
 */
static void
catalog_load_in(struct mdx_lake *l, const struct mdx_lake_sel *s,
    const char *where, struct catalog *c, int manifests, int *bad)
{
	struct lake_ent *e;
	struct item it, *prev;
	size_t n, i, j, cap = 0;
	char why[600], *mp;
	int is_man, rc, pass;

	memset(c, 0, sizeof(*c));
	/* The whole lake in one listing, or a prefix and its manifests. */
	for (pass = 0; pass < (*where != '\0' ? 2 : 1); pass++) {
	if (pass == 0)
		mp = mdx_strdup(where);
	else
		mp = mdx_strfmt("%s/%s%s", MANIFESTS, where,
		    where[strlen(where) - 1] == '/' ? "" : "/");
	if (l->be->list(l, mp, &e, &n) == -1)
		lake_die(l);
	free(mp);
	for (i = 0; i < n; i++) {
		if (parse_key(e[i].key, &it, &is_man) == -1)
			continue;
		if (!sel_matches(s, &it) || it.type == IT_OTHER) {
			item_free(&it);
			continue;
		}
		if (c->n == cap) {
			cap = cap ? cap * 2 : 64;
			c->it = mdx_realloc(c->it, cap * sizeof(*c->it));
		}
		if (is_man)
			it.has_man = is_man;
		else {
			it.has_data = 1;
			it.size = e[i].size;
			it.mtime = e[i].mtime;
		}
		c->it[c->n++] = it;
	}
	lake_ents_free(e, n);
	}
	/* Merge each data file with its manifest. */
	if (c->n > 0)
		qsort(c->it, c->n, sizeof(*c->it), item_cmp_key);
	for (i = 0, j = 0; i < c->n; i++) {
		if (j > 0) {
			prev = &c->it[j - 1];
			if (item_cmp_key(prev, &c->it[i]) == 0) {
				prev->has_man |= c->it[i].has_man;
				if (c->it[i].has_data) {
					prev->has_data = 1;
					prev->size = c->it[i].size;
					prev->mtime = c->it[i].mtime;
				}
				item_free(&c->it[i]);
				continue;
			}
		}
		c->it[j++] = c->it[i];
	}
	c->n = j;
	if (!manifests)
		return;
	for (i = 0; i < c->n; i++) {
		if (!c->it[i].has_man || c->it[i].type == IT_TEMP)
			continue;
		rc = load_manifest(l, &c->it[i], why, sizeof(why));
		if (rc == -2)
			c->it[i].has_man = 0;
		else if (rc == -1) {
			char *k = item_man_key(&c->it[i]);

			mdx_warn("corrupt manifest \"%s\": %s", k, why);
			free(k);
			c->it[i].has_man = 0;
			if (bad != NULL)
				(*bad)++;
		}
	}
	/* Objects an archive of their directory holds are covered, and
	 * so are tar archives a compacted object replaces. */
	for (i = 0; i < c->n; i++) {
		json_t *v;
		size_t k;

		if ((c->it[i].type != IT_ARCHIVE &&
		    c->it[i].type != IT_COMPACT) || c->it[i].man == NULL)
			continue;
		json_array_foreach(json_object_get(c->it[i].man, "members"),
		    k, v)
			cover(c, c->it[i].dir, json_string_value(
			    json_object_get(v, "object")), IT_OBJECT);
		json_array_foreach(json_object_get(c->it[i].man, "replaces"),
		    k, v)
			cover(c, c->it[i].dir, json_string_value(v),
			    IT_ARCHIVE);
	}
}

static void
catalog_load(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct catalog *c, int manifests, int *bad)
{
	catalog_load_in(l, s, s != NULL && s->prefix != NULL ? s->prefix : "",
	    c, manifests, bad);
}

/* Whether an item is shown by cat, ls and stats. */
static int
visible(const struct item *it)
{
	return (it->type == IT_OBJECT || it->type == IT_ARCHIVE ||
	    it->type == IT_COMPACT) && it->has_data && it->man != NULL &&
	    !it->covered;
}

/* ------------------------------------------------------------------------
 * Reading objects.  A sink receives decompressed data in pieces.
 */
typedef int (*sink_fn)(void *arg, const char *p, size_t n);
/* Called for each member of an archive or compacted object: returns 1 to
 * receive its data, 0 to skip it. */
typedef int (*member_fn)(void *arg, const char *name, int64_t size);

struct stream_res {
	struct mdx_sha256 sha;	/* of the stored bytes; the caller ends it */
	uint64_t bytes;		/* stored bytes */
	uint64_t data_bytes;	/* decompressed bytes */
	char why[256];		/* why the data is corrupt */
};

/*
 * Decompresses the gzip data read from fd (one or more members) into
 * sink.  Returns 0, -1 when the data is corrupt or truncated (res->why),
 * -2 when reading failed, or what the sink returned when it stopped.
 */
static int
gz_stream(int fd, sink_fn sink, void *arg, struct stream_res *res)
{
	static unsigned char in[CHUNK], out[CHUNK];
	z_stream z;
	ssize_t k;
	size_t got;
	int zr, rc = 0, started = 0, ended = 0;

	memset(&z, 0, sizeof(z));
	mdx_sha256_init(&res->sha);
	res->bytes = res->data_bytes = 0;
	res->why[0] = '\0';
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		mdx_die(MDX_EX_FAIL, "cannot initialise zlib");
	while (rc == 0) {
		k = read(fd, in, sizeof(in));
		if (k == -1) {
			if (errno == EINTR)
				continue;
			snprintf(res->why, sizeof(res->why), "%s",
			    strerror(errno));
			rc = -2;
			break;
		}
		if (k == 0)
			break;
		mdx_sha256_update(&res->sha, in, k);
		res->bytes += k;
		z.next_in = in;
		z.avail_in = k;
		do {
			if (ended) {
				if (z.avail_in == 0)
					break;
				/* Another gzip member follows. */
				inflateReset(&z);
				ended = 0;
			}
			started = 1;
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END &&
			    zr != Z_BUF_ERROR) {
				snprintf(res->why, sizeof(res->why),
				    "bad gzip data: %s", z.msg ? z.msg :
				    "inflate failed");
				rc = -1;
				break;
			}
			got = sizeof(out) - z.avail_out;
			if (got > 0) {
				res->data_bytes += got;
				rc = sink(arg, (char *)out, got);
			}
			if (zr == Z_STREAM_END)
				ended = 1;
		} while (rc == 0 && (z.avail_in > 0 || z.avail_out == 0));
	}
	inflateEnd(&z);
	if (rc == 0 && started && !ended) {
		snprintf(res->why, sizeof(res->why), "truncated gzip data");
		rc = -1;
	}
	if (rc == 0 && !started) {
		snprintf(res->why, sizeof(res->why), "empty object");
		rc = -1;
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * put.
 */
#define PW_INBUF (64 * 1024)

/* One partition being written: its current object. */
struct pw {
	char *dir;
	size_t dirlen;
	struct lake_file f;
	int active;		/* an object is in progress */
	char *name;
	z_stream z;
	char *in;
	size_t inlen;
	struct mdx_sha256 sha;
	uint64_t bytes, data_bytes, rows;
	uint64_t flushed;	/* data_bytes at the last block flush */
	mdx_time tmin, tmax;
	uint64_t used;		/* when last written to, for LRU */
};

/*
 * Finished objects are committed by a thread of their own: syncing a file
 * and its directory waits on the disk (a PUT on the network), and the
 * compression of the next records need not wait with it.  The queue is
 * short, so memory stays bounded.  A few threads commit at once, as a
 * disk and a network serve concurrent requests better than one after the
 * other; each object's data is still committed before its manifest.
 */
#define COMMIT_QUEUE 16
#define COMMIT_THREADS 4

struct cjob {
	struct lake_file f;
	char *mankey;
	struct mdx_buf man;
	struct cjob *next;
};

struct committer {
	struct mdx_lake tl;	/* the lake, with an error of its own */
	pthread_t th[COMMIT_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct cjob *head, *tail;
	int n;			/* queued and in progress */
	int closing, failed;
};

static void
cjob_free(struct cjob *j)
{
	free(j->mankey);
	mdx_buf_free(&j->man);
	free(j);
}

static void *
committer_main(void *arg)
{
	struct committer *c = arg;
	struct mdx_lake tl;
	struct cjob *j;
	int failed;

	pthread_mutex_lock(&c->mu);
	tl = c->tl;
	for (;;) {
		while (c->head == NULL && !c->closing)
			pthread_cond_wait(&c->more, &c->mu);
		if ((j = c->head) == NULL)
			break;
		if ((c->head = j->next) == NULL)
			c->tail = NULL;
		failed = c->failed;
		pthread_mutex_unlock(&c->mu);
		if (failed)
			tl.be->discard(&tl, &j->f);
		else if (tl.be->commit(&tl, &j->f) == -1)
			failed = 1;
		else {
			kill_point("put-object");
			if (put_small(&tl, j->mankey, j->man.data,
			    j->man.len) == -1)
				failed = 1;
		}
		cjob_free(j);
		pthread_mutex_lock(&c->mu);
		c->n--;
		if (failed && !c->failed) {
			/* The first failure is the one reported. */
			c->failed = 1;
			memcpy(c->tl.err, tl.err, sizeof(tl.err));
			c->tl.errstatus = tl.errstatus;
		}
		pthread_cond_broadcast(&c->room);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void
committer_start(struct committer *c, struct mdx_lake *l)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->tl = *l;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->more, NULL);
	pthread_cond_init(&c->room, NULL);
	for (i = 0; i < COMMIT_THREADS; i++)
		if (pthread_create(&c->th[i], NULL, committer_main, c) != 0)
			mdx_die(MDX_EX_FAIL, "cannot start a thread");
}

static void
committer_add(struct committer *c, struct cjob *j)
{
	pthread_mutex_lock(&c->mu);
	while (c->n >= COMMIT_QUEUE && !c->failed)
		pthread_cond_wait(&c->room, &c->mu);
	if (c->failed) {
		pthread_mutex_unlock(&c->mu);
		c->tl.be->discard(&c->tl, &j->f);
		cjob_free(j);
		lake_die(&c->tl);
	}
	j->next = NULL;
	if (c->tail != NULL)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	c->n++;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->mu);
}

/* Waits until everything queued is committed. */
static void
committer_finish(struct committer *c)
{
	int i;

	pthread_mutex_lock(&c->mu);
	c->closing = 1;
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->mu);
	for (i = 0; i < COMMIT_THREADS; i++)
		pthread_join(c->th[i], NULL);
	if (c->failed)
		lake_die(&c->tl);
}

/* At exit after a failure: what is still queued is not committed. */
static void
committer_abandon(struct committer *c)
{
	struct cjob *j;

	pthread_mutex_lock(&c->mu);
	while ((j = c->head) != NULL) {
		c->head = j->next;
		c->tl.be->discard(&c->tl, &j->f);
	}
	c->tail = NULL;
	c->failed = 1;
	pthread_mutex_unlock(&c->mu);
}

struct put {
	struct committer cm;
	struct mdx_lake *l;
	const struct mdx_lake_put *o;
	struct pw *pw;
	int npw;
	struct pw *last;
	uint64_t clock;
	unsigned seq;
	char run[32];
	struct mdx_json_doc *doc;
	struct mdx_buf dir, val[MDX_LF_N], msg;
	struct mdx_buf keys;		/* the keys of the objects written */
	unsigned long line;
	uint64_t lines, stored, rejected, objects, held;
	unsigned char *out;
	/* What the partitions written to held before this put. */
	struct held *hd;
	size_t nhd;
	struct mdx_json_doc *hdoc;
	struct mdx_buf hcarry;
};

static struct put *put_active;	/* for the exit handler */

/* On a failure that ends the program, temporary files go away: nothing
 * half-written is left behind (a kill -9 leaves dot files prune removes). */
static void
put_atexit(void)
{
	int i;

	if (put_active == NULL)
		return;
	committer_abandon(&put_active->cm);
	for (i = 0; i < put_active->npw; i++)
		if (put_active->pw[i].active)
			put_active->l->be->discard(put_active->l,
			    &put_active->pw[i].f);
}

/*
 * Compresses data[0..len) with z into fd, through the buffer out of CHUNK
 * bytes, counting what is written into *bytes and sha (when not NULL).
 * Returns 0, or -1 with errno when writing failed.
 */
static int
gz_write(z_stream *z, int fd, unsigned char *out, const char *data,
    size_t len, int flush, struct mdx_sha256 *sha, uint64_t *bytes)
{
	size_t got;
	int zr;

	z->next_in = (unsigned char *)data;
	z->avail_in = len;
	do {
		z->next_out = out;
		z->avail_out = CHUNK;
		zr = deflate(z, flush);
		if (zr == Z_STREAM_ERROR)
			mdx_die(MDX_EX_FAIL, "zlib deflate failed");
		got = CHUNK - z->avail_out;
		if (got > 0) {
			if (lake_write_all(fd, out, got) == -1)
				return -1;
			if (sha != NULL)
				mdx_sha256_update(sha, out, got);
			*bytes += got;
		}
	} while (z->avail_out == 0 ||
	    (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static void
pw_deflate(struct put *p, struct pw *w, const char *data, size_t len,
    int flush)
{
	if (gz_write(&w->z, w->f.fd, p->out, data, len, flush, &w->sha,
	    &w->bytes) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write object \"%s/%s\": %s",
		    w->dir, w->name, strerror(errno));
}

/*
 * deflate keeps a block's worth of input before it writes anything, and a
 * block of repetitive NDJSON can hold megabytes, so the size of an object
 * would be known only long after it passed the limit.  Ending a block every
 * so often (Z_BLOCK costs a few bytes) keeps the count close.
 */
static void
pw_emit(struct put *p, struct pw *w, int flush)
{
	uint64_t every = p->o->object_size * 4;

	if (every > 1024 * 1024)
		every = 1024 * 1024;
	if (flush == Z_NO_FLUSH && w->data_bytes - w->flushed >= every) {
		flush = Z_BLOCK;
		w->flushed = w->data_bytes;
	}
	pw_deflate(p, w, w->in, w->inlen, flush);
	w->inlen = 0;
}

static void
pw_start(struct put *p, struct pw *w)
{
	struct mdx_buf b = MDX_BUF_INIT;

	mdx_buf_printf(&b, "%s-%ld-%04u.ndjson.gz", p->run, (long)getpid(),
	    ++p->seq);
	w->name = mdx_buf_detach(&b, NULL);
	mdx_buf_printf(&b, "%s/%s", w->dir, w->name);
	if (p->l->be->create(p->l, b.data, &w->f) == -1)
		lake_die(p->l);
	mdx_buf_free(&b);
	memset(&w->z, 0, sizeof(w->z));
	if (deflateInit2(&w->z, p->o->level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		mdx_die(MDX_EX_FAIL, "cannot initialise zlib");
	mdx_sha256_init(&w->sha);
	w->bytes = w->data_bytes = w->rows = w->flushed = 0;
	w->tmin = INT64_MAX;
	w->tmax = INT64_MIN;
	w->active = 1;
}

static char *
manifest_object(const char *name, const char *sha, uint64_t bytes,
    uint64_t rows, uint64_t data_bytes, mdx_time tmin, mdx_time tmax)
{
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ], now[MDX_TIME_BUFSZ];
	struct timespec ts;
	json_t *m;
	char *s;

	clock_gettime(CLOCK_REALTIME, &ts);
	fmt_time((mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
	fmt_time(tmin, t1);
	fmt_time(tmax, t2);
	m = json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s}",
	    "mdx", "lake-manifest", "version", 1, "type", "object",
	    "object", name, "sha256", sha, "bytes", (json_int_t)bytes,
	    "rows", (json_int_t)rows, "data_bytes", (json_int_t)data_bytes,
	    "min_time", t1, "max_time", t2, "created_at", now);
	s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	return s;
}

/* Finishes the object of a partition and queues it for its commit: the
 * data, then its manifest. */
static void
pw_finish(struct put *p, struct pw *w)
{
	char sha[MDX_SHA256_HEXLEN + 1], *man;
	struct cjob *j;

	if (!w->active)
		return;
	pw_emit(p, w, Z_FINISH);
	deflateEnd(&w->z);
	mdx_sha256_hex(&w->sha, sha);
	j = mdx_calloc(1, sizeof(*j));
	j->f = w->f;
	w->active = 0;
	man = manifest_object(w->name, sha, w->bytes, w->rows, w->data_bytes,
	    w->tmin, w->tmax);
	mdx_buf_addstr(&j->man, man);
	mdx_buf_addch(&j->man, '\n');
	j->mankey = man_key(w->dir, w->name, MAN_NEW);
	mdx_buf_printf(&p->keys, "%s/%s\n", w->dir, w->name);
	mdx_debug("stored \"%s/%s\": %llu rows, %llu bytes", w->dir, w->name,
	    (unsigned long long)w->rows, (unsigned long long)w->bytes);
	committer_add(&p->cm, j);
	free(man);
	free(w->name);
	w->name = NULL;
	p->objects++;
}

static void
reject(struct put *p, const char *fmt, ...) MDX_PRINTF(2, 3);

static void
reject(struct put *p, const char *fmt, ...)
{
	struct mdx_buf b = MDX_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mdx_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mdx_warn("bad record: %s (at stdin:%lu)", b.data, p->line);
	mdx_buf_free(&b);
	p->rejected++;
}

/* The writer of the partition in p->dir, opened (and the least recently
 * used one finished) as needed. */
static struct pw *
pw_get(struct put *p)
{
	struct pw *w, *lru = NULL;
	int i;

	if (p->last != NULL && p->last->dirlen == p->dir.len &&
	    memcmp(p->last->dir, p->dir.data, p->dir.len) == 0)
		return p->last;
	for (i = 0; i < p->npw; i++) {
		w = &p->pw[i];
		if (w->dirlen == p->dir.len &&
		    memcmp(w->dir, p->dir.data, p->dir.len) == 0)
			return p->last = w;
		if (lru == NULL || w->used < lru->used)
			lru = w;
	}
	if (p->npw < p->o->max_open) {
		w = &p->pw[p->npw++];
		memset(w, 0, sizeof(*w));
		w->in = mdx_malloc(PW_INBUF);
	} else {
		w = lru;
		pw_finish(p, w);
		free(w->dir);
	}
	w->dir = mdx_strndup(p->dir.data, p->dir.len);
	w->dirlen = p->dir.len;
	return p->last = w;
}

/* A string member as a partition value in p->val[f]: 1 when present and
 * safe, 0 when absent and optional, -1 when rejected (reported). */
static int
field(struct put *p, struct mdx_json *root, int f, int optional)
{
	const char *key = mdx_lake_field_names[f], *why;
	struct mdx_json *v = mdx_json_get(root, key);
	struct mdx_buf *b = &p->val[f];

	if (v == NULL || v->type == MDX_JSON_NULL) {
		if (optional)
			return 0;
		reject(p, "missing \"%s\"", key);
		return -1;
	}
	if (v->type != MDX_JSON_STRING) {
		reject(p, "\"%s\" is not a string", key);
		return -1;
	}
	mdx_buf_reset(b);
	if (v->escaped) {
		if (mdx_json_str(v, b) == NULL) {
			reject(p, "\"%s\" has a bad escape", key);
			return -1;
		}
	} else
		mdx_buf_add(b, v->text, v->len);
	if ((why = mdx_lake_check_value(b->data, b->len)) != NULL) {
		mdx_buf_reset(&p->msg);
		add_shown(&p->msg, b->data, b->len);
		reject(p, "\"%s\" value %s %s", key, p->msg.data, why);
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * What a partition held before this put.  A record identical to one it
 * holds but for when and by which request it was fetched ("fetched_at",
 * "request") is not stored again: a pipeline killed after put committed
 * and before the warehouse did fetches the same records again on its
 * rerun, and the lake must not hold them twice.  The partition is listed
 * once, at its first record; an object, compacted object or archive is
 * read (its records' digests kept) only when a record falls in its time
 * range, so records newer than everything stored cost no reading.
 */
#define DIGEST_LEN 16

struct held {
	char *dir;
	struct catalog c;
	unsigned char *read;		/* per item: its digests are in */
	unsigned char (*dig)[DIGEST_LEN]; /* open addressing; all zero is
					   empty */
	size_t ndig, capdig;
};

static void item_stream(struct mdx_lake *l, const struct item *it,
    member_fn object, member_fn member, sink_fn sink, void *arg);

/* The digest of a record: every member but fetched_at and request. */
static void
record_digest(const struct mdx_json *root, unsigned char out[DIGEST_LEN])
{
	unsigned char d[MDX_SHA256_LEN];
	struct mdx_sha256 sha;
	const struct mdx_json *v;
	char t;

	mdx_sha256_init(&sha);
	for (v = root->child; v != NULL; v = v->next) {
		if ((v->keylen == 10 && memcmp(v->key, "fetched_at", 10) ==
		    0) || (v->keylen == 7 && memcmp(v->key, "request", 7) == 0))
			continue;
		t = (char)('0' + v->type);
		mdx_sha256_update(&sha, v->key, v->keylen);
		mdx_sha256_update(&sha, &t, 1);
		mdx_sha256_update(&sha, v->text, v->len);
		mdx_sha256_update(&sha, "", 1);
	}
	mdx_sha256_final(&sha, d);
	memcpy(out, d, DIGEST_LEN);
	/* All zero marks an empty slot. */
	if (out[0] == 0)
		out[0] = 1;
}

/* Adds d to the set of h (add) or tells whether it is there. */
static int
held_set(struct held *h, const unsigned char d[DIGEST_LEN], int add)
{
	static const unsigned char zero[DIGEST_LEN];
	unsigned char (*old)[DIGEST_LEN];
	uint64_t slot;
	size_t i, j, n;

	if (add && (h->ndig + 1) * 2 > h->capdig) {
		old = h->dig;
		n = h->capdig;
		h->capdig = n ? n * 2 : 1024;
		h->dig = mdx_calloc(h->capdig, DIGEST_LEN);
		h->ndig = 0;
		for (j = 0; j < n; j++)
			if (memcmp(old[j], zero, DIGEST_LEN) != 0)
				held_set(h, old[j], 1);
		free(old);
	}
	if (h->capdig == 0)
		return 0;
	/* A digest is evenly spread already: its first bytes are its slot. */
	memcpy(&slot, d, sizeof(slot));
	for (i = (size_t)slot & (h->capdig - 1);;
	    i = (i + 1) & (h->capdig - 1)) {
		if (memcmp(h->dig[i], d, DIGEST_LEN) == 0)
			return 1;
		if (memcmp(h->dig[i], zero, DIGEST_LEN) == 0)
			break;
	}
	if (add) {
		memcpy(h->dig[i], d, DIGEST_LEN);
		h->ndig++;
	}
	return 0;
}

struct heldsink {
	struct put *p;
	struct held *h;
};

static void
held_line(struct heldsink *hs, const char *s, size_t n)
{
	unsigned char d[DIGEST_LEN];
	struct mdx_json *root;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if ((root = mdx_json_parse(hs->p->hdoc, s, n)) != NULL &&
	    root->type == MDX_JSON_OBJECT) {
		record_digest(root, d);
		held_set(hs->h, d, 1);
	}
}

static int
held_sink(void *arg, const char *s, size_t n)
{
	struct heldsink *hs = arg;
	struct mdx_buf *c = &hs->p->hcarry;
	const char *e = s + n, *nl;

	for (; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', e - s)) == NULL) {
			mdx_buf_add(c, s, e - s);
			break;
		}
		if (c->len > 0) {
			mdx_buf_add(c, s, nl - s);
			held_line(hs, c->data, c->len);
			mdx_buf_reset(c);
		} else
			held_line(hs, s, nl - s);
	}
	return 0;
}

/* Every member of an archive or compacted object is read; a line left
 * unfinished by the previous member ends with it. */
static int
held_member(void *arg, const char *name, int64_t size)
{
	struct heldsink *hs = arg;

	if (hs->p->hcarry.len > 0) {
		held_line(hs, hs->p->hcarry.data, hs->p->hcarry.len);
		mdx_buf_reset(&hs->p->hcarry);
	}
	return 1;
}

/* Reads the records of item i of h into its digests. */
static void
held_read(struct put *p, struct held *h, size_t i)
{
	struct heldsink hs = { p, h };

	h->read[i] = 1;
	mdx_buf_reset(&p->hcarry);
	item_stream(p->l, &h->c.it[i], held_member, held_member, held_sink,
	    &hs);
	if (p->hcarry.len > 0)
		held_line(&hs, p->hcarry.data, p->hcarry.len);
	mdx_buf_reset(&p->hcarry);
}

/* What the partition p->dir held when this put first wrote to it. */
static struct held *
held_get(struct put *p)
{
	struct mdx_lake_sel sel;
	struct held *h;
	size_t i;

	for (i = 0; i < p->nhd; i++)
		if (strcmp(p->hd[i].dir, p->dir.data) == 0)
			return &p->hd[i];
	p->hd = mdx_realloc(p->hd, (p->nhd + 1) * sizeof(*p->hd));
	h = &p->hd[p->nhd++];
	memset(h, 0, sizeof(*h));
	h->dir = mdx_strdup(p->dir.data);
	mdx_lake_sel_init(&sel);
	sel.prefix = p->o->prefix;
	mdx_buf_reset(&p->msg);
	mdx_buf_printf(&p->msg, "%s/", p->dir.data);
	catalog_load_in(p->l, &sel, p->msg.data, &h->c, 1, NULL);
	h->read = mdx_calloc(h->c.n + 1, 1);
	return h;
}

/* Whether the partition held the record root of time t before this put. */
static int
held_has(struct put *p, const struct mdx_json *root, mdx_time t)
{
	unsigned char d[DIGEST_LEN];
	struct held *h = held_get(p);
	struct item *it;
	size_t i;
	int any = 0;

	for (i = 0; i < h->c.n; i++) {
		it = &h->c.it[i];
		/* A manifest without times tells nothing: read it. */
		if (!visible(it) || (it->tmin != INT64_MIN &&
		    (t < it->tmin || t > it->tmax)))
			continue;
		any = 1;
		if (!h->read[i])
			held_read(p, h, i);
	}
	if (!any)
		return 0;
	record_digest(root, d);
	return held_set(h, d, 0);
}

static void
held_free(struct put *p)
{
	size_t i;

	for (i = 0; i < p->nhd; i++) {
		free(p->hd[i].dir);
		free(p->hd[i].read);
		free(p->hd[i].dig);
		catalog_free(&p->hd[i].c);
	}
	free(p->hd);
	mdx_buf_free(&p->hcarry);
	if (p->hdoc != NULL)
		mdx_json_doc_free(p->hdoc);
}

static void
put_line(struct put *p, const char *s, size_t n)
{
	struct mdx_json *root, *tv;
	const char *tkey = "time";
	char date[MDX_TIME_BUFSZ];
	struct pw *w;
	mdx_time t;
	int f, r, has_iv = 0;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	for (f = 0; (size_t)f < n && (s[f] == ' ' || s[f] == '\t'); f++)
		;
	if ((size_t)f == n)
		return;
	p->lines++;
	if (n > MDX_MAXLINE_DEFAULT) {
		reject(p, "line longer than %d bytes", MDX_MAXLINE_DEFAULT);
		return;
	}
	if ((root = mdx_json_parse(p->doc, s, n)) == NULL) {
		reject(p, "bad JSON: %s", mdx_json_error(p->doc));
		return;
	}
	if (root->type != MDX_JSON_OBJECT) {
		reject(p, "not a JSON object");
		return;
	}
	for (f = 0; f < MDX_LF_DATE; f++) {
		if ((r = field(p, root, f, f == MDX_LF_INTERVAL)) == -1)
			return;
		if (f == MDX_LF_INTERVAL)
			has_iv = r;
	}
	tv = mdx_json_get(root, "time");
	if (tv == NULL || tv->type == MDX_JSON_NULL) {
		tkey = "open_time";
		tv = mdx_json_get(root, tkey);
	}
	if (tv == NULL || tv->type == MDX_JSON_NULL) {
		reject(p, "missing \"time\" or \"open_time\"");
		return;
	}
	if (tv->type != MDX_JSON_STRING || tv->escaped ||
	    mdx_time_parse_rfc3339(tv->text, tv->len, &t) == -1) {
		mdx_buf_reset(&p->msg);
		add_shown(&p->msg, tv->text, tv->len);
		reject(p, "\"%s\" value %s is not an RFC 3339 time", tkey,
		    p->msg.data);
		return;
	}
	mdx_time_format_date(t, date);
	mdx_buf_reset(&p->dir);
	mdx_buf_addstr(&p->dir, p->o->prefix);
	for (f = 0; f < MDX_LF_DATE; f++) {
		if (f == MDX_LF_INTERVAL && !has_iv)
			continue;
		mdx_buf_printf(&p->dir, "/%s=%s", mdx_lake_field_names[f],
		    p->val[f].data);
	}
	mdx_buf_printf(&p->dir, "/date=%s", date);
	if (held_has(p, root, t)) {
		p->held++;
		return;
	}
	w = pw_get(p);
	if (!w->active)
		pw_start(p, w);
	if (w->inlen + n + 1 > PW_INBUF) {
		pw_emit(p, w, Z_NO_FLUSH);
		if (n + 1 > PW_INBUF) {
			pw_deflate(p, w, s, n, Z_NO_FLUSH);
			pw_deflate(p, w, "\n", 1, Z_NO_FLUSH);
		}
	}
	if (n + 1 <= PW_INBUF) {
		memcpy(w->in + w->inlen, s, n);
		w->in[w->inlen + n] = '\n';
		w->inlen += n + 1;
	}
	w->rows++;
	w->data_bytes += n + 1;
	if (t < w->tmin)
		w->tmin = t;
	if (t > w->tmax)
		w->tmax = t;
	w->used = ++p->clock;
	p->stored++;
	if (w->bytes >= p->o->object_size)
		pw_finish(p, w);
}

/* Writes the keys of the objects put stored to path, one a line. */
static void
write_keys(const char *path, const struct mdx_buf *keys)
{
	FILE *f;
	int bad;

	if ((f = fopen(path, "w")) == NULL)
		mdx_die(MDX_EX_IOERR, "cannot write \"%s\": %s", path,
		    strerror(errno));
	bad = keys->len > 0 &&
	    fwrite(keys->data, 1, keys->len, f) != keys->len;
	if (fclose(f) == EOF || bad)
		mdx_die(MDX_EX_IOERR, "cannot write \"%s\": %s", path,
		    strerror(errno));
}

int
mdx_lake_put(struct mdx_lake *l, const struct mdx_lake_put *o, int fd,
    struct mdx_writer *tee)
{
	static char buf[1024 * 1024];
	struct mdx_buf part = MDX_BUF_INIT;
	char held[64] = "";
	struct put p;
	char *s, *e, *nl;
	ssize_t k;
	int i, over = 0;

	memset(&p, 0, sizeof(p));
	p.l = l;
	p.o = o;
	p.pw = mdx_calloc(o->max_open, sizeof(*p.pw));
	p.doc = mdx_json_doc_new();
	p.hdoc = mdx_json_doc_new();
	p.out = mdx_malloc(CHUNK);
	stamp(p.run, sizeof(p.run));
	committer_start(&p.cm, l);
	put_active = &p;
	atexit(put_atexit);
	for (;;) {
		k = read(fd, buf, sizeof(buf));
		if (k == -1) {
			if (errno == EINTR)
				continue;
			mdx_die(MDX_EX_IOERR, "cannot read stdin: %s",
			    strerror(errno));
		}
		if (k == 0)
			break;
		if (tee != NULL)
			mdx_write(tee, buf, k);
		for (s = buf, e = buf + k; s < e; s = nl + 1) {
			if ((nl = memchr(s, '\n', e - s)) == NULL) {
				if (part.len + (e - s) > MDX_MAXLINE_DEFAULT + 1)
					over = 1;
				else
					mdx_buf_add(&part, s, e - s);
				break;
			}
			p.line++;
			if (over) {
				p.lines++;
				reject(&p, "line longer than %d bytes",
				    MDX_MAXLINE_DEFAULT);
				over = 0;
				mdx_buf_reset(&part);
			} else if (part.len > 0) {
				mdx_buf_add(&part, s, nl - s);
				put_line(&p, part.data, part.len);
				mdx_buf_reset(&part);
			} else
				put_line(&p, s, nl - s);
		}
	}
	if (over || part.len > 0) {
		p.line++;
		if (over) {
			p.lines++;
			reject(&p, "line longer than %d bytes",
			    MDX_MAXLINE_DEFAULT);
		} else
			put_line(&p, part.data, part.len);
	}
	for (i = 0; i < p.npw; i++) {
		pw_finish(&p, &p.pw[i]);
		free(p.pw[i].dir);
		free(p.pw[i].in);
	}
	committer_finish(&p.cm);
	put_active = NULL;
	if (o->keys != NULL)
		write_keys(o->keys, &p.keys);
	if (tee != NULL)
		mdx_writer_flush(tee);
	if (p.held > 0)
		snprintf(held, sizeof(held), ", %llu already in the lake",
		    (unsigned long long)p.held);
	if (p.rejected > 0 || mdx_verbose >= 2 || mdx_stderr_is_tty())
		mdx_warn("put: %llu records, %llu stored in %llu objects%s, "
		    "%llu rejected", (unsigned long long)p.lines,
		    (unsigned long long)p.stored,
		    (unsigned long long)p.objects, held,
		    (unsigned long long)p.rejected);
	free(p.pw);
	free(p.out);
	held_free(&p);
	mdx_json_doc_free(p.doc);
	mdx_buf_free(&part);
	mdx_buf_free(&p.dir);
	mdx_buf_free(&p.msg);
	mdx_buf_free(&p.keys);
	for (i = 0; i < MDX_LF_N; i++)
		mdx_buf_free(&p.val[i]);
	return p.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * Archives: a tar (zstd-compressed) of the decompressed objects of one
 * partition day.  A member is named after its object without ".gz".
 */


/*
 * Reads the archive in fd, member by member.  Returns 0, -1 when the
 * archive is corrupt or truncated (why), or what a sink returned when it
 * stopped.
 */
static int
ar_stream(int fd, member_fn member, sink_fn sink, void *arg, char *why,
    size_t whysz)
{
	struct archive_entry *e;
	struct archive *a;
	const void *buf;
	size_t len;
	int64_t off;
	int r, rc = 0;

	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK)
		goto bad;
	while (rc == 0) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			goto bad;
		if (!member(arg, archive_entry_pathname(e),
		    archive_entry_size(e))) {
			if (archive_read_data_skip(a) != ARCHIVE_OK)
				goto bad;
			continue;
		}
		for (;;) {
			r = archive_read_data_block(a, &buf, &len, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r != ARCHIVE_OK)
				goto bad;
			if (len > 0 && (rc = sink(arg, buf, len)) != 0)
				break;
		}
	}
	archive_read_free(a);
	return rc;
bad:
	snprintf(why, whysz, "bad archive: %s", archive_error_string(a));
	archive_read_free(a);
	return -1;
}

/*
 * Streams the compacted object in fd member by member: sink gets the data
 * of the members member() wants (called with the member's object name and
 * size).  The members are the entries of the manifest's list, in order,
 * each data_bytes long.  Returns 0, -1 when the object is corrupt (why),
 * -2 when reading failed, or what the sink returned when it stopped.
 */
struct split {
	json_t *members;
	size_t i;		/* the next member */
	uint64_t left;		/* bytes of the current member still due */
	member_fn member;
	sink_fn sink;
	void *arg;
	int want;
};

#define SPLIT_OVER 0x5917	/* data past the last member */

static int
split_sink(void *arg, const char *p, size_t n)
{
	struct split *sp = arg;
	json_t *v;
	size_t k;
	int rc;

	while (n > 0) {
		while (sp->left == 0) {
			if ((v = json_array_get(sp->members, sp->i)) == NULL)
				return SPLIT_OVER;
			sp->i++;
			sp->left = json_integer_value(json_object_get(v,
			    "data_bytes"));
			sp->want = sp->member(sp->arg, json_string_value(
			    json_object_get(v, "object")), sp->left);
		}
		k = n < sp->left ? n : sp->left;
		if (sp->want && (rc = sp->sink(sp->arg, p, k)) != 0)
			return rc;
		p += k;
		n -= k;
		sp->left -= k;
	}
	return 0;
}

static int
compact_stream(int fd, json_t *members, member_fn member, sink_fn sink,
    void *arg, char *why, size_t whysz)
{
	struct stream_res res;
	struct split sp;
	int rc;

	memset(&sp, 0, sizeof(sp));
	sp.members = members;
	sp.member = member;
	sp.sink = sink;
	sp.arg = arg;
	rc = gz_stream(fd, split_sink, &sp, &res);
	mdx_sha256_release(&res.sha);
	if (rc == SPLIT_OVER) {
		snprintf(why, whysz, "more data than its members");
		return -1;
	}
	if (rc == -1 || rc == -2)
		snprintf(why, whysz, "%s", res.why);
	if (rc == 0 && (sp.left > 0 || sp.i < json_array_size(members))) {
		snprintf(why, whysz, "less data than its members");
		return -1;
	}
	return rc;
}

/* The key a consumer mark uses for an object: dir/NAME.ndjson.gz, also
 * when the object now lives in an archive. */
static char *
ident(const char *dir, const char *name)
{
	return mdx_strfmt("%s/%s", dir, name);
}

/* ------------------------------------------------------------------------
 * cat and commit.
 */
struct idset {
	char **k;
	size_t n;
};

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads a list of keys, one a line, from a stored object; a missing one
 * is an empty list. */
static void
idset_load(struct mdx_lake *l, const char *key, struct idset *s)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char *p, *nl;
	size_t cap = 0;

	s->k = NULL;
	s->n = 0;
	if (get_small(l, key, &b) == -1) {
		if (!l->notfound)
			lake_die(l);
		mdx_buf_free(&b);
		return;
	}
	for (p = b.data; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (nl > p) {
			if (s->n == cap) {
				cap = cap ? cap * 2 : 256;
				s->k = mdx_realloc(s->k, cap * sizeof(*s->k));
			}
			s->k[s->n++] = mdx_strndup(p, nl - p);
		}
		if (*nl == '\0')
			break;
	}
	mdx_buf_free(&b);
	if (s->n > 0)
		qsort(s->k, s->n, sizeof(*s->k), cmpstr);
}

static int
idset_has(const struct idset *s, const char *k)
{
	return s->n > 0 && bsearch(&k, s->k, s->n, sizeof(*s->k), cmpstr) !=
	    NULL;
}

static void
idset_free(struct idset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->k[i]);
	free(s->k);
	s->k = NULL;
	s->n = 0;
}

static char *
mark_key(const char *consumer, const char *what)
{
	return mdx_strfmt("%s/%s.%s", MARKS, consumer, what);
}

/*
 * Streams the records of an object, compacted object or archive into
 * sink; object picks the objects a compacted object holds, member the
 * members of a tar archive.  Ends the program when the item cannot be
 * read or is corrupt.
 */
static void
item_stream(struct mdx_lake *l, const struct item *it, member_fn object,
    member_fn member, sink_fn sink, void *arg)
{
	struct stream_res res;
	char why[300], *key;
	int fd, rc;

	key = item_key(it, "");
	if ((fd = l->be->get(l, key)) == -1)
		lake_die(l);
	if (it->type == IT_OBJECT) {
		rc = gz_stream(fd, sink, arg, &res);
		mdx_sha256_release(&res.sha);
		snprintf(why, sizeof(why), "%s", res.why);
	} else if (it->type == IT_COMPACT)
		rc = compact_stream(fd, json_object_get(it->man, "members"),
		    object, sink, arg, why, sizeof(why));
	else
		rc = ar_stream(fd, member, sink, arg, why, sizeof(why));
	close(fd);
	if (rc == -2)
		mdx_die(MDX_EX_IOERR, "cannot read \"%s\": %s", key, why);
	if (rc != 0)
		mdx_die(MDX_EX_DATAERR, "corrupt %s \"%s\": %s (run mdx-lake "
		    "verify)", it->type == IT_OBJECT ? "object" :
		    it->type == IT_COMPACT ? "compacted object" : "archive",
		    key, why);
	free(key);
}

struct catsink {
	struct mdx_writer *out;
	const struct mdx_lake_sel *s;
	int filter;
	struct mdx_buf carry;
	struct mdx_json_doc *doc;
	/* archives: which members to stream */
	const struct item *it;
	const struct idset *done;
	struct mdx_buf *pending;
	int want;
};

static void
cat_line(struct catsink *c, const char *p, size_t n)
{
	struct mdx_json *root, *tv;
	mdx_time t;

	root = mdx_json_parse(c->doc, p, n);
	if (root != NULL) {
		tv = mdx_json_get(root, "time");
		if (tv == NULL || tv->type != MDX_JSON_STRING)
			tv = mdx_json_get(root, "open_time");
		if (tv != NULL && tv->type == MDX_JSON_STRING &&
		    mdx_time_parse_rfc3339(tv->text, tv->len, &t) == 0 &&
		    (t < c->s->since || t >= c->s->until))
			return;
	}
	mdx_write_line(c->out, p, n);
}

static int
cat_sink(void *arg, const char *p, size_t n)
{
	struct catsink *c = arg;
	const char *e = p + n, *nl;

	if (!c->filter) {
		mdx_write(c->out, p, n);
		return 0;
	}
	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', e - p)) == NULL) {
			mdx_buf_add(&c->carry, p, e - p);
			break;
		}
		if (c->carry.len > 0) {
			mdx_buf_add(&c->carry, p, nl - p);
			cat_line(c, c->carry.data, c->carry.len);
			mdx_buf_reset(&c->carry);
		} else
			cat_line(c, p, nl - p);
	}
	return 0;
}

/* A member of a compacted object: the object it holds is streamed when
 * the consumer, if any, has not read it. */
static int
cat_object(void *arg, const char *object, int64_t size)
{
	struct catsink *c = arg;
	char *id;

	id = ident(c->it->dir, object);
	c->want = c->done == NULL || !idset_has(c->done, id);
	if (c->want && c->pending != NULL)
		mdx_buf_printf(c->pending, "%s\n", id);
	free(id);
	mdx_buf_reset(&c->carry);
	return c->want;
}

/* A member of a tar archive, named like its object without ".gz". */
static int
cat_member(void *arg, const char *name, int64_t size)
{
	char *object = mdx_strfmt("%s.gz", name);
	int want = cat_object(arg, object, size);

	free(object);
	return want;
}

static int
item_cmp_time(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a;
	const struct item *y = *(struct item *const *)b;
	int c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->tmin != y->tmin)
		return x->tmin < y->tmin ? -1 : 1;
	if ((c = strcmp(x->dir, y->dir)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

/* Whether every object an item holds is in the set. */
static int
item_all_done(const struct item *it, const struct idset *done)
{
	json_t *mem, *v;
	size_t i;
	char *id;
	int all = 1;

	if (it->type == IT_OBJECT) {
		id = ident(it->dir, it->name);
		all = idset_has(done, id);
		free(id);
		return all;
	}
	mem = json_object_get(it->man, "members");
	json_array_foreach(mem, i, v) {
		id = ident(it->dir, json_string_value(json_object_get(v,
		    "object")));
		all = all && idset_has(done, id);
		free(id);
	}
	return all;
}

int
mdx_lake_cat(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out)
{
	struct mdx_buf pending = MDX_BUF_INIT;
	struct idset done = { NULL, 0 };
	struct catalog c;
	struct catsink cs;
	struct item **v;
	char *key, *id;
	size_t i, n = 0;

	if (s->consumer != NULL) {
		/* A stale pending list must not be committed by mistake
		 * after this run fails. */
		key = mark_key(s->consumer, "pending");
		if (l->be->del(l, key) == -1)
			lake_die(l);
		free(key);
		key = mark_key(s->consumer, "done");
		idset_load(l, key, &done);
		free(key);
	}
	catalog_load(l, s, &c, 1, NULL);
	v = mdx_calloc(c.n + 1, sizeof(*v));
	for (i = 0; i < c.n; i++) {
		if (!visible(&c.it[i]))
			continue;
		if (s->has_since && c.it[i].tmax != INT64_MIN &&
		    c.it[i].tmax < s->since)
			continue;
		if (s->has_until && c.it[i].tmin != INT64_MIN &&
		    c.it[i].tmin >= s->until)
			continue;
		if (s->consumer != NULL && item_all_done(&c.it[i], &done))
			continue;
		v[n++] = &c.it[i];
	}
	qsort(v, n, sizeof(*v), item_cmp_time);
	memset(&cs, 0, sizeof(cs));
	cs.out = out;
	cs.s = s;
	cs.filter = s->has_since || s->has_until;
	cs.doc = mdx_json_doc_new();
	cs.done = s->consumer != NULL ? &done : NULL;
	cs.pending = s->consumer != NULL ? &pending : NULL;
	for (i = 0; i < n; i++) {
		mdx_buf_reset(&cs.carry);
		cs.it = v[i];
		item_stream(l, v[i], cat_object, cat_member, cat_sink, &cs);
		if (v[i]->type == IT_OBJECT && s->consumer != NULL) {
			id = ident(v[i]->dir, v[i]->name);
			mdx_buf_printf(&pending, "%s\n", id);
			free(id);
		}
		if (cs.carry.len > 0) {
			cat_line(&cs, cs.carry.data, cs.carry.len);
			mdx_buf_reset(&cs.carry);
		}
	}
	mdx_writer_flush(out);
	if (s->consumer != NULL) {
		key = mark_key(s->consumer, "pending");
		if (put_small(l, key, pending.data ? pending.data : "",
		    pending.len) == -1)
			lake_die(l);
		free(key);
	}
	mdx_json_doc_free(cs.doc);
	mdx_buf_free(&cs.carry);
	mdx_buf_free(&pending);
	idset_free(&done);
	free(v);
	catalog_free(&c);
	return MDX_EX_OK;
}

int
mdx_lake_commit(struct mdx_lake *l, const char *consumer)
{
	struct idset done, pend;
	struct mdx_buf b = MDX_BUF_INIT;
	char *dkey, *pkey;
	size_t i, j;

	pkey = mark_key(consumer, "pending");
	dkey = mark_key(consumer, "done");
	if (get_small(l, pkey, &b) == -1) {
		if (!l->notfound)
			lake_die(l);
		mdx_die(MDX_EX_FAIL, "nothing to commit for consumer \"%s\": "
		    "no successful cat --new %s since the last commit",
		    consumer, consumer);
	}
	mdx_buf_free(&b);
	idset_load(l, pkey, &pend);
	idset_load(l, dkey, &done);
	/* Both are sorted: merge them without duplicates. */
	for (i = j = 0; i < done.n || j < pend.n;) {
		int c = i == done.n ? 1 : j == pend.n ? -1 :
		    strcmp(done.k[i], pend.k[j]);

		mdx_buf_printf(&b, "%s\n", c <= 0 ? done.k[i] : pend.k[j]);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	if (put_small(l, dkey, b.data ? b.data : "", b.len) == -1 ||
	    l->be->del(l, pkey) == -1)
		lake_die(l);
	if (mdx_verbose >= 2 || mdx_stderr_is_tty())
		mdx_warn("commit: %zu objects marked read by \"%s\"", pend.n,
		    consumer);
	idset_free(&done);
	idset_free(&pend);
	mdx_buf_free(&b);
	free(pkey);
	free(dkey);
	return MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * ls.
 */
static json_t *
item_json(const struct item *it)
{
	json_t *o;
	char *key;
	int f;

	key = item_key(it, "");
	o = json_pack("{s:s, s:s, s:s}", "key", key, "type",
	    it->type == IT_OBJECT ? "object" : it->type == IT_COMPACT ?
	    "compact" : "archive", "prefix",
	    it->prefix);
	free(key);
	for (f = 0; f < MDX_LF_N; f++)
		if (it->v[f] != NULL)
			json_object_set_new(o, mdx_lake_field_names[f],
			    json_string(it->v[f]));
	json_object_set(o, "bytes", json_object_get(it->man, "bytes"));
	json_object_set(o, "rows", json_object_get(it->man, "rows"));
	json_object_set(o, "data_bytes",
	    json_object_get(it->man, "data_bytes"));
	json_object_set(o, "sha256", json_object_get(it->man, "sha256"));
	json_object_set(o, "min_time", json_object_get(it->man, "min_time"));
	json_object_set(o, "max_time", json_object_get(it->man, "max_time"));
	json_object_set(o, "created_at",
	    json_object_get(it->man, "created_at"));
	if (it->type == IT_ARCHIVE || it->type == IT_COMPACT)
		json_object_set_new(o, "members", json_integer(json_array_size(
		    json_object_get(it->man, "members"))));
	return o;
}

static void
write_json(struct mdx_writer *out, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	mdx_write_line(out, s, strlen(s));
	free(s);
	json_decref(o);
}

int
mdx_lake_ls(struct mdx_lake *l, const struct mdx_lake_sel *s, int json,
    struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct catalog c;
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ], *key;
	size_t i;
	int bad = 0;

	catalog_load(l, s, &c, 1, &bad);
	for (i = 0; i < c.n; i++) {
		struct item *it = &c.it[i];

		if (!visible(it))
			continue;
		if (s->has_since && it->tmax < s->since)
			continue;
		if (s->has_until && it->tmin >= s->until)
			continue;
		if (json) {
			write_json(out, item_json(it));
			continue;
		}
		key = item_key(it, "");
		fmt_time(it->tmin, t1);
		fmt_time(it->tmax, t2);
		mdx_buf_reset(&b);
		mdx_buf_printf(&b, "%s\t%llu\t%lld\t%s\t%s\t%s", key,
		    (unsigned long long)it->bytes, (long long)it->rows, t1, t2,
		    it->sha256);
		mdx_write_line(out, b.data, b.len);
		free(key);
	}
	mdx_buf_free(&b);
	catalog_free(&c);
	return bad ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * verify.
 */

/* Counts rows and hashes data, for checks of what was stored; also feeds
 * a compacted object being written. */
struct countsink {
	struct mdx_sha256 sha;
	uint64_t bytes, rows;
	/* the compacted object being written, when z is not NULL */
	z_stream *z;
	int zfd;
	unsigned char *zout;
	uint64_t zbytes;
	int werr;		/* errno of a failed write */
	/* members being checked against a manifest, found by the manifest
	 * entry member by: "member" (tar archives) or "object" */
	json_t *members;
	const char *by;
	json_t *cur;
	json_t *copy;		/* when not NULL, gets each entry read */
	size_t seen;
	char why[300];
	int bad;
};

static int
count_sink(void *arg, const char *p, size_t n)
{
	struct countsink *c = arg;
	const char *q = p, *e = p + n;

	mdx_sha256_update(&c->sha, p, n);
	c->bytes += n;
	while ((q = memchr(q, '\n', e - q)) != NULL) {
		c->rows++;
		q++;
	}
	if (c->z != NULL && !c->werr && gz_write(c->z, c->zfd, c->zout, p,
	    n, Z_NO_FLUSH, NULL, &c->zbytes) == -1)
		c->werr = errno;
	return 0;
}

/* Checks the member just read against its manifest entry. */
static void
member_check(struct countsink *c)
{
	char sha[MDX_SHA256_HEXLEN + 1];
	const char *want;

	if (c->cur == NULL)
		return;
	mdx_sha256_hex(&c->sha, sha);
	want = json_string_value(json_object_get(c->cur, "data_sha256"));
	if (!c->bad && (want == NULL || strcmp(sha, want) != 0)) {
		snprintf(c->why, sizeof(c->why), "member \"%s\": checksum "
		    "mismatch", json_string_value(json_object_get(c->cur,
		    c->by)));
		c->bad = 1;
	} else if (!c->bad && (int64_t)c->rows != json_integer_value(
	    json_object_get(c->cur, "rows"))) {
		snprintf(c->why, sizeof(c->why), "member \"%s\": %llu rows, "
		    "manifest says %lld", json_string_value(json_object_get(
		    c->cur, c->by)), (unsigned long long)c->rows,
		    (long long)json_integer_value(json_object_get(c->cur,
		    "rows")));
		c->bad = 1;
	}
	c->cur = NULL;
}

static int
member_next(void *arg, const char *name, int64_t size)
{
	struct countsink *c = arg;
	json_t *v;
	size_t i;

	member_check(c);
	json_array_foreach(c->members, i, v) {
		if (json_is_string(json_object_get(v, c->by)) &&
		    strcmp(json_string_value(json_object_get(v, c->by)),
		    name) == 0) {
			c->cur = v;
			break;
		}
	}
	if (c->cur == NULL) {
		if (!c->bad)
			snprintf(c->why, sizeof(c->why), "member \"%s\" is "
			    "not in the manifest", name);
		c->bad = 1;
		return 0;
	}
	c->seen++;
	if (c->copy != NULL) {
		v = json_deep_copy(c->cur);
		json_object_del(v, "member");
		json_array_append_new(c->copy, v);
	}
	mdx_sha256_init(&c->sha);
	c->bytes = c->rows = 0;
	return 1;
}

/* Hashes a whole stored file from fd's start. */
static int
hash_fd(int fd, char sha[MDX_SHA256_HEXLEN + 1], uint64_t *bytes)
{
	static char buf[CHUNK];
	struct mdx_sha256 st;
	ssize_t k;

	*bytes = 0;
	if (lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	mdx_sha256_init(&st);
	while ((k = read(fd, buf, sizeof(buf))) != 0) {
		if (k == -1) {
			if (errno == EINTR)
				continue;
			mdx_sha256_release(&st);
			return -1;
		}
		mdx_sha256_update(&st, buf, k);
		*bytes += k;
	}
	mdx_sha256_hex(&st, sha);
	return lseek(fd, 0, SEEK_SET) == -1 ? -1 : 0;
}

/*
 * Checks an archive or compacted object in fd against its manifest m: the
 * checksum and size of the file, then every member's checksum and rows.
 * c is set up by the caller (zeroed, or with z to copy the data out).  0
 * good, -1 corrupt (why), -2 unreadable.
 */
static int
members_check(int fd, json_t *m, int compact, struct countsink *c,
    char *why, size_t whysz)
{
	char sha[MDX_SHA256_HEXLEN + 1];
	uint64_t bytes;
	int rc;

	if (hash_fd(fd, sha, &bytes) == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		return -2;
	}
	if (strcmp(sha, json_string_value(json_object_get(m, "sha256"))) != 0) {
		snprintf(why, whysz, "checksum mismatch (%llu bytes, manifest "
		    "says %lld)", (unsigned long long)bytes,
		    (long long)json_integer_value(json_object_get(m, "bytes")));
		return -1;
	}
	c->members = json_object_get(m, "members");
	c->by = compact ? "object" : "member";
	rc = compact ? compact_stream(fd, c->members, member_next, count_sink,
	    c, why, whysz) : ar_stream(fd, member_next, count_sink, c, why,
	    whysz);
	if (rc != 0) {
		mdx_sha256_release(&c->sha);
		return rc == -2 ? -2 : -1;
	}
	member_check(c);
	if (c->bad) {
		snprintf(why, whysz, "%s", c->why);
		return -1;
	}
	if (c->seen != json_array_size(c->members)) {
		snprintf(why, whysz, "%zu members, manifest lists %zu", c->seen,
		    json_array_size(c->members));
		return -1;
	}
	return 0;
}

static int
archive_check(int fd, json_t *m, int compact, char *why, size_t whysz)
{
	struct countsink c;

	memset(&c, 0, sizeof(c));
	return members_check(fd, m, compact, &c, why, whysz);
}

/* Checks the count n found in an object against the member name of its
 * manifest m ("bytes" or "rows", which also names what is counted): 0
 * when they agree, else -1 with why saying both. */
static int
manifest_count(json_t *m, const char *name, uint64_t n, char *why,
    size_t whysz)
{
	json_int_t want = json_integer_value(json_object_get(m, name));

	if ((int64_t)n == want)
		return 0;
	snprintf(why, whysz, "%llu %s, manifest says %lld",
	    (unsigned long long)n, name, (long long)want);
	return -1;
}

/* Checks an object in fd against its manifest.  0, -1 corrupt, -2
 * unreadable. */
static int
object_check(int fd, json_t *m, char *why, size_t whysz)
{
	char sha[MDX_SHA256_HEXLEN + 1];
	struct stream_res res;
	struct countsink c;
	int rc;

	memset(&c, 0, sizeof(c));
	mdx_sha256_init(&c.sha);
	rc = gz_stream(fd, count_sink, &c, &res);
	/* Only the rows of the data are checked here. */
	mdx_sha256_release(&c.sha);
	if (rc != 0) {
		mdx_sha256_release(&res.sha);
		snprintf(why, whysz, "%s", res.why);
		return rc;
	}
	mdx_sha256_hex(&res.sha, sha);
	if (strcmp(sha, json_string_value(json_object_get(m, "sha256"))) != 0) {
		snprintf(why, whysz, "checksum mismatch");
		return -1;
	}
	if (manifest_count(m, "bytes", res.bytes, why, whysz) == -1 ||
	    manifest_count(m, "rows", c.rows, why, whysz) == -1)
		return -1;
	return 0;
}

int
mdx_lake_verify(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct catalog c;
	char why[600], *key;
	size_t i, nok = 0, norphan = 0;
	int bad = 0, fd, rc;

	catalog_load(l, s, &c, 1, &bad);
	for (i = 0; i < c.n; i++) {
		struct item *it = &c.it[i];
		const char *what = it->type == IT_ARCHIVE ? "archive" :
		    it->type == IT_COMPACT ? "compacted object" : "object";

		if (it->type == IT_TEMP)
			continue;
		key = item_key(it, "");
		mdx_buf_reset(&b);
		if (it->man == NULL && it->has_data) {
			/* A write that never finished: not visible. */
			if (!it->covered) {
				mdx_buf_printf(&b, "incomplete\t%s", key);
				mdx_write_line(out, b.data, b.len);
				norphan++;
			}
		} else if (it->man != NULL && !it->has_data) {
			if (!it->covered) {
				mdx_warn("corrupt %s \"%s\": missing, its "
				    "manifest is there", what, key);
				mdx_buf_printf(&b, "corrupt\t%s\tmissing", key);
				mdx_write_line(out, b.data, b.len);
				bad++;
			}
		} else if (it->man != NULL) {
			if ((fd = l->be->get(l, key)) == -1)
				lake_die(l);
			rc = it->type != IT_OBJECT ? archive_check(fd,
			    it->man, it->type == IT_COMPACT, why, sizeof(why)) :
			    object_check(fd, it->man, why, sizeof(why));
			close(fd);
			if (rc == -2)
				mdx_die(MDX_EX_IOERR, "cannot read \"%s\": %s",
				    key, why);
			if (rc == -1) {
				mdx_warn("corrupt %s \"%s\": %s", what, key,
				    why);
				mdx_buf_printf(&b, "corrupt\t%s\t%s", key, why);
				bad++;
			} else {
				mdx_buf_printf(&b, "ok\t%s", key);
				nok++;
			}
			mdx_write_line(out, b.data, b.len);
		}
		free(key);
	}
	if (bad > 0 || mdx_verbose >= 2 || mdx_stderr_is_tty())
		mdx_warn("verify: %zu good, %d corrupt, %zu incomplete", nok,
		    bad, norphan);
	mdx_buf_free(&b);
	catalog_free(&c);
	return bad > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * archive.
 */

/* Deletes a stored item: the manifest first, so that a crash in between
 * leaves an invisible leftover, never a manifest without its data. */
static void
item_delete(struct mdx_lake *l, const struct item *it)
{
	char *key;

	if (it->has_man & MAN_NEW) {
		key = man_key(it->dir, it->name, MAN_NEW);
		if (l->be->del(l, key) == -1)
			lake_die(l);
		free(key);
	}
	if (it->has_man & MAN_OLD) {
		key = man_key(it->dir, it->name, MAN_OLD);
		if (l->be->del(l, key) == -1)
			lake_die(l);
		free(key);
	}
	if (it->has_data) {
		key = item_key(it, "");
		if (l->be->del(l, key) == -1)
			lake_die(l);
		free(key);
	}
}

/* The entry of a compacted object's manifest for an object whose data
 * c counted (hash ended here), as its manifest m says it was stored. */
static json_t *
member_entry(const struct item *it, struct countsink *c)
{
	char sha[MDX_SHA256_HEXLEN + 1];
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ];

	mdx_sha256_hex(&c->sha, sha);
	fmt_time(it->tmin, t1);
	fmt_time(it->tmax, t2);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s}",
	    "object", it->name, "sha256", it->sha256,
	    "bytes", (json_int_t)it->bytes, "rows", (json_int_t)it->rows,
	    "data_bytes", (json_int_t)c->bytes, "data_sha256", sha,
	    "min_time", t1, "max_time", t2);
}

/*
 * Copies the records of the object or tar archive it, checked against its
 * manifest, into the compacted object c is writing, and appends the
 * manifest entries of the objects it holds to members.  Returns 0, or -1
 * with why when it is corrupt.
 */
static int
compact_source(struct mdx_lake *l, struct item *it, struct countsink *c,
    json_t *members, char *why, size_t whysz)
{
	struct stream_res res;
	char sha[MDX_SHA256_HEXLEN + 1], *key;
	int fd, rc;

	key = item_key(it, "");
	if ((fd = l->be->get(l, key)) == -1)
		lake_die(l);
	c->bytes = c->rows = 0;
	c->cur = NULL;
	c->seen = 0;
	c->bad = 0;
	if (it->type == IT_ARCHIVE) {
		/* Its members' entries carry over, less the tar names. */
		c->copy = members;
		rc = members_check(fd, it->man, 0, c, why, whysz);
		c->copy = NULL;
		if (rc == -2)
			mdx_die(MDX_EX_IOERR, "cannot read \"%s\": %s", key,
			    why);
		close(fd);
		free(key);
		return rc;
	}
	mdx_sha256_init(&c->sha);
	rc = gz_stream(fd, count_sink, c, &res);
	close(fd);
	if (rc == -2)
		mdx_die(MDX_EX_IOERR, "cannot read \"%s\": %s", key, res.why);
	free(key);
	snprintf(why, whysz, "%s", res.why);
	if (rc == 0) {
		/* The object must be exactly what its manifest says before
		 * its data is trusted to the compacted object. */
		mdx_sha256_hex(&res.sha, sha);
		if (strcmp(sha, it->sha256) != 0)
			snprintf(why, whysz, "checksum mismatch");
		else if ((int64_t)c->rows != it->rows)
			snprintf(why, whysz, "%llu rows, manifest says %lld",
			    (unsigned long long)c->rows, (long long)it->rows);
		else if ((int64_t)c->bytes != json_integer_value(
		    json_object_get(it->man, "data_bytes")))
			snprintf(why, whysz, "%llu data bytes, manifest says "
			    "%lld", (unsigned long long)c->bytes, (long long)
			    json_integer_value(json_object_get(it->man,
			    "data_bytes")));
		else
			why[0] = '\0';
		rc = why[0] != '\0' ? -1 : 0;
	} else
		mdx_sha256_release(&res.sha);
	if (rc != 0) {
		mdx_sha256_release(&c->sha);
		return -1;
	}
	json_array_append_new(members, member_entry(it, c));
	return 0;
}

/*
 * Compacts the objects and tar archives v[0..n) of one partition day into
 * one object, compact-RUNTIME-PID.ndjson.gz: their records, concatenated
 * in order, byte for byte, as gzip NDJSON that DuckDB, Spark and Athena
 * read.  Its manifest lists the objects it holds (and the tar archives it
 * replaces), so that they are covered.  The new object is read back and
 * checked before it is made visible, and only then are the sources
 * deleted.  Returns 0, or -1 when a source is corrupt (it is reported, and
 * nothing changes).
 */
static int
compact_day(struct mdx_lake *l, struct item **v, size_t n, const char *verb,
    struct mdx_writer *out)
{
	char sha[MDX_SHA256_HEXLEN + 1], why[600], name[96], run[32];
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ], now[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT;
	struct countsink cs;
	struct lake_file f;
	struct timespec ts;
	json_t *members, *replaces, *m, *e;
	uint64_t bytes, rows = 0, data_bytes = 0;
	mdx_time tmin = INT64_MAX, tmax = INT64_MIN;
	z_stream z;
	char *key, *s;
	size_t i, k, nmem;

	stamp(run, sizeof(run));
	snprintf(name, sizeof(name), "compact-%s-%ld.ndjson.gz", run,
	    (long)getpid());
	key = ident(v[0]->dir, name);
	if (l->be->create(l, key, &f) == -1)
		lake_die(l);
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		mdx_die(MDX_EX_FAIL, "cannot initialise zlib");
	memset(&cs, 0, sizeof(cs));
	cs.z = &z;
	cs.zfd = f.fd;
	cs.zout = mdx_malloc(CHUNK);
	members = json_array();
	replaces = json_array();
	for (i = 0; i < n; i++) {
		if (compact_source(l, v[i], &cs, members, why,
		    sizeof(why)) == -1) {
			char *src = item_key(v[i], "");

			mdx_warn("corrupt %s \"%s\": %s; partition day \"%s\" "
			    "not %s", v[i]->type == IT_ARCHIVE ? "archive" :
			    "object", src, why, v[0]->dir, verb);
			free(src);
			deflateEnd(&z);
			free(cs.zout);
			l->be->discard(l, &f);
			json_decref(members);
			json_decref(replaces);
			free(key);
			return -1;
		}
		if (cs.werr)
			mdx_die(MDX_EX_IOERR, "cannot write \"%s\": %s", key,
			    strerror(cs.werr));
		if (v[i]->type == IT_ARCHIVE)
			json_array_append_new(replaces,
			    json_string(v[i]->name));
	}
	if (gz_write(&z, f.fd, cs.zout, "", 0, Z_FINISH, NULL,
	    &cs.zbytes) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write \"%s\": %s", key,
		    strerror(errno));
	deflateEnd(&z);
	free(cs.zout);
	nmem = json_array_size(members);
	json_array_foreach(members, k, e) {
		mdx_time t;

		rows += json_integer_value(json_object_get(e, "rows"));
		data_bytes += json_integer_value(json_object_get(e,
		    "data_bytes"));
		if ((t = json_time(e, "min_time")) != INT64_MIN && t < tmin)
			tmin = t;
		if ((t = json_time(e, "max_time")) > tmax)
			tmax = t;
	}
	if (hash_fd(f.fd, sha, &bytes) == -1)
		mdx_die(MDX_EX_IOERR, "cannot read back \"%s\": %s", key,
		    strerror(errno));
	clock_gettime(CLOCK_REALTIME, &ts);
	fmt_time((mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
	fmt_time(tmin, t1);
	fmt_time(tmax, t2);
	m = json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, "
	    "s:o}", "mdx", "lake-manifest", "version", 1, "type", "compact",
	    "object", name, "sha256", sha, "bytes", (json_int_t)bytes,
	    "rows", (json_int_t)rows, "data_bytes", (json_int_t)data_bytes,
	    "min_time", t1, "max_time", t2, "created_at", now,
	    "members", members);
	if (json_array_size(replaces) > 0)
		json_object_set(m, "replaces", replaces);
	json_decref(replaces);
	/* Read it back as a reader would, before anything is deleted. */
	if (archive_check(f.fd, m, 1, why, sizeof(why)) != 0)
		mdx_die(MDX_EX_IOERR, "\"%s\" does not read back: %s; nothing "
		    "deleted", key, why);
	kill_point("archive-written");
	if (l->be->commit(l, &f) == -1)
		lake_die(l);
	kill_point("archive-committed");
	s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	mdx_buf_printf(&b, "%s\n", s);
	free(s);
	json_decref(m);
	s = man_key(v[0]->dir, name, MAN_NEW);
	if (put_small(l, s, b.data, b.len) == -1)
		lake_die(l);
	free(s);
	kill_point("archive-manifest");
	/* The compacted object is visible and verified: the sources may
	 * go. */
	for (i = 0; i < n; i++) {
		item_delete(l, v[i]);
		kill_point("archive-delete");
	}
	mdx_buf_reset(&b);
	mdx_buf_printf(&b, "%s\t%s\t%zu objects\t%llu rows", verb, key,
	    nmem, (unsigned long long)rows);
	mdx_write_line(out, b.data, b.len);
	free(key);
	mdx_buf_free(&b);
	return 0;
}

/*
 * Deletes the leftovers of the partition directory c->it[i..j): objects a
 * compacted object holds and tar archives it replaces, left by a run that
 * stopped after the compacted object was safe, and compacted objects
 * without a manifest, left by a run that stopped before (their sources
 * are all still there).  Engines that read the data files without the
 * manifests would count either twice.  Only archive and migrate write
 * compacted objects, one run at a time (mdx-lake(1)).
 */
static void
delete_leftovers(struct mdx_lake *l, struct catalog *c, size_t i, size_t j,
    int dry_run, struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char *key;

	for (; i < j; i++) {
		struct item *it = &c->it[i];

		if (it->type == IT_TEMP || !(it->covered ||
		    (it->type == IT_COMPACT && it->has_data && !it->has_man)))
			continue;
		key = item_key(it, "");
		mdx_buf_printf(&b, "%s\t%s", dry_run ? "would delete" :
		    "deleted", key);
		if (!dry_run)
			item_delete(l, it);
		mdx_write_line(out, b.data, b.len);
		mdx_buf_reset(&b);
		free(key);
	}
	mdx_buf_free(&b);
}

/*
 * archive (old 1) and migrate (old 0): compacts, per partition day, the
 * visible objects (archive, days that ended before cutoff) and tar
 * archives (both) into one compacted object.
 */
static int
compact_days(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int archive, int dry_run, struct mdx_writer *out,
    struct catalog *c)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct item **v;
	size_t i, j, k, n;
	int bad = 0;

	v = mdx_calloc(c->n + 1, sizeof(*v));
	for (i = 0; i < c->n; i = j) {
		for (j = i; j < c->n && strcmp(c->it[j].dir, c->it[i].dir) == 0;
		    j++)
			;
		if (archive && c->it[i].day + MDX_MS_DAY > cutoff)
			continue;
		delete_leftovers(l, c, i, j, dry_run, out);
		/* Tar archives first: they hold the older records, and a
		 * partition replays in the order it was written. */
		n = 0;
		for (k = i; k < j; k++)
			if (visible(&c->it[k]) && c->it[k].type == IT_ARCHIVE)
				v[n++] = &c->it[k];
		for (k = i; k < j && archive; k++)
			if (visible(&c->it[k]) && c->it[k].type == IT_OBJECT)
				v[n++] = &c->it[k];
		if (n == 0)
			continue;
		if (dry_run) {
			mdx_buf_reset(&b);
			mdx_buf_printf(&b, "would %s\t%s\t%zu %s",
			    archive ? "archive" : "compact", c->it[i].dir, n,
			    archive ? "objects" : "archives");
			mdx_write_line(out, b.data, b.len);
			continue;
		}
		if (compact_day(l, v, n, archive ? "archived" : "compacted",
		    out) == -1)
			bad++;
	}
	free(v);
	mdx_buf_free(&b);
	return bad;
}

int
mdx_lake_archive(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out)
{
	struct catalog c;
	int bad = 0;

	catalog_load(l, s, &c, 1, &bad);
	bad += compact_days(l, s, cutoff, 1, dry_run, out, &c);
	catalog_free(&c);
	return bad > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

int
mdx_lake_migrate(struct mdx_lake *l, const struct mdx_lake_sel *s,
    int dry_run, struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT, line = MDX_BUF_INIT;
	struct catalog c;
	char *from, *to;
	size_t i;
	int bad = 0;

	catalog_load(l, s, &c, 1, &bad);
	/* Manifests beside their data move to _manifests/: the new one is
	 * written first, so that a crash leaves one or both, never none. */
	for (i = 0; i < c.n; i++) {
		struct item *it = &c.it[i];

		if (!(it->has_man & MAN_OLD) || it->man == NULL)
			continue;
		from = man_key(it->dir, it->name, MAN_OLD);
		to = man_key(it->dir, it->name, MAN_NEW);
		mdx_buf_reset(&line);
		mdx_buf_printf(&line, "%s\t%s\t%s", dry_run ? "would move" :
		    "moved", from, to);
		if (!dry_run) {
			if (!(it->has_man & MAN_NEW) && (get_small(l, from,
			    &b) == -1 || put_small(l, to, b.data, b.len) ==
			    -1))
				lake_die(l);
			if (l->be->del(l, from) == -1)
				lake_die(l);
			it->has_man = MAN_NEW;
		}
		mdx_write_line(out, line.data, line.len);
		free(from);
		free(to);
	}
	bad += compact_days(l, s, 0, 0, dry_run, out, &c);
	mdx_buf_free(&b);
	mdx_buf_free(&line);
	catalog_free(&c);
	return bad > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * prune.
 */
int
mdx_lake_prune(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct catalog c;
	struct timespec ts;
	mdx_time wall;
	size_t i, kept = 0;
	char *key;
	int bad = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	catalog_load(l, s, &c, 1, &bad);
	for (i = 0; i < c.n; i++) {
		struct item *it = &c.it[i];

		if (it->day + MDX_MS_DAY > cutoff)
			continue;
		if (it->type == IT_OBJECT && visible(it)) {
			kept++;
			continue;
		}
		/* A temporary file, or data whose manifest is not there yet,
		 * may belong to a put still running. */
		if ((it->type == IT_TEMP || !it->has_man) &&
		    it->mtime > wall - MDX_MS_HOUR)
			continue;
		key = item_key(it, "");
		mdx_buf_reset(&b);
		mdx_buf_printf(&b, "%s\t%s", dry_run ? "would delete" :
		    "deleted", key);
		if (!dry_run)
			item_delete(l, it);
		mdx_write_line(out, b.data, b.len);
		free(key);
	}
	if (kept > 0)
		mdx_warn("prune: %zu objects past retention are not archived "
		    "yet and were kept (run mdx-lake archive)", kept);
	mdx_buf_free(&b);
	catalog_free(&c);
	return bad > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * stats.
 */
int
mdx_lake_stats(struct mdx_lake *l, const struct mdx_lake_sel *s, int json,
    struct mdx_writer *out)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct catalog c;
	size_t i, j, k;
	uint64_t tobj = 0, trows = 0, tbytes = 0, obj, rows, bytes;
	int bad = 0, pass;

	catalog_load(l, s, &c, 1, &bad);
	/* Pass 1: coverage per series and day; pass 0: per series, and the
	 * total last, where a summary is looked for.  The catalog is sorted
	 * by directory, so a series is a run of items. */
	for (pass = 1; pass >= 0; pass--) {
		if (!json && pass == 1) {
			mdx_buf_reset(&b);
			mdx_buf_printf(&b, "%-64s %10s %10s %8s %s", "coverage",
			    "date", "rows", "expected", "percent");
			mdx_write_line(out, b.data, b.len);
		} else if (!json) {
			mdx_write_line(out, "", 0);
			mdx_buf_reset(&b);
			mdx_buf_printf(&b, "%-64s %8s %10s %12s %10s %10s",
			    "partition", "objects", "rows", "bytes", "first",
			    "last");
			mdx_write_line(out, b.data, b.len);
		}
		for (i = 0; i < c.n; i = j) {
			const char *first = NULL, *last = NULL;

			for (j = i; j < c.n && strcmp(pass ? c.it[j].dir :
			    c.it[j].series, pass ? c.it[i].dir :
			    c.it[i].series) == 0; j++)
				;
			obj = rows = bytes = 0;
			for (k = i; k < j; k++) {
				if (!visible(&c.it[k]))
					continue;
				obj++;
				rows += c.it[k].rows;
				bytes += c.it[k].bytes;
				if (first == NULL)
					first = c.it[k].v[MDX_LF_DATE];
				last = c.it[k].v[MDX_LF_DATE];
			}
			if (obj == 0)
				continue;
			mdx_buf_reset(&b);
			if (pass == 0) {
				tobj += obj;
				trows += rows;
				tbytes += bytes;
				if (json) {
					json_t *o = json_pack("{s:s, s:s, s:I, "
					    "s:I, s:I, s:s, s:s}", "type",
					    "partition", "partition",
					    c.it[i].series, "objects",
					    (json_int_t)obj, "rows",
					    (json_int_t)rows, "bytes",
					    (json_int_t)bytes, "first_date",
					    first, "last_date", last);

					write_json(out, o);
				} else {
					mdx_buf_printf(&b, "%-64s %8llu %10llu "
					    "%12llu %10s %10s", c.it[i].series,
					    (unsigned long long)obj,
					    (unsigned long long)rows,
					    (unsigned long long)bytes, first,
					    last);
					mdx_write_line(out, b.data, b.len);
				}
				continue;
			}
			{
				const struct mdx_interval *iv = NULL;
				int64_t expected = 0;

				if (c.it[i].v[MDX_LF_INTERVAL] != NULL)
					iv = mdx_interval_lookup(
					    c.it[i].v[MDX_LF_INTERVAL]);
				if (iv != NULL)
					expected = mdx_interval_count(iv,
					    c.it[i].day, c.it[i].day +
					    MDX_MS_DAY);
				if (iv != NULL && expected == 0)
					expected = 1;
				if (json) {
					json_t *o = json_pack("{s:s, s:s, s:s, "
					    "s:I}", "type", "coverage",
					    "partition", c.it[i].series,
					    "date", c.it[i].v[MDX_LF_DATE],
					    "rows", (json_int_t)rows);
					if (expected > 0) {
						json_object_set_new(o,
						    "expected",
						    json_integer(expected));
						json_object_set_new(o,
						    "percent", json_real(
						    100.0 * rows / expected));
					}
					write_json(out, o);
				} else {
					mdx_buf_printf(&b, "%-64s %10s %10llu ",
					    c.it[i].series,
					    c.it[i].v[MDX_LF_DATE],
					    (unsigned long long)rows);
					if (expected > 0)
						mdx_buf_printf(&b, "%8lld %.1f%%",
						    (long long)expected,
						    100.0 * rows / expected);
					else
						mdx_buf_printf(&b, "%8s -", "-");
					mdx_write_line(out, b.data, b.len);
				}
			}
		}
		if (pass == 0) {
			mdx_buf_reset(&b);
			if (json) {
				json_t *o = json_pack("{s:s, s:I, s:I, s:I}",
				    "type", "total", "objects",
				    (json_int_t)tobj, "rows", (json_int_t)trows,
				    "bytes", (json_int_t)tbytes);

				write_json(out, o);
			} else {
				mdx_buf_printf(&b, "%-64s %8llu %10llu %12llu",
				    "total", (unsigned long long)tobj,
				    (unsigned long long)trows,
				    (unsigned long long)tbytes);
				mdx_write_line(out, b.data, b.len);
			}
		}
	}
	mdx_buf_free(&b);
	catalog_free(&c);
	return bad > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}
