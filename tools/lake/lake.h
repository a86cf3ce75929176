/*
 * lake.h - the lake (lake.c, lakestore.c): partitioned, compressed
 * NDJSON objects in a local directory or an S3 bucket.  mdx-lake(1) documents
 * the layout, the manifests, archives and consumer marks; HACKING.md "The
 * lake" the partition path.  Every command returns an exit status (enum
 * mdx_exit); a failure of the storage itself (I/O, S3 refused) ends the
 * program with a message naming the object.
 */
#ifndef MDX_LAKE_H
#define MDX_LAKE_H

#include "ndjson.h"
#include "utc.h"

struct mdx_lake;

/*
 * Opens the lake at root: a directory, or s3://BUCKET[/PREFIX] (endpoint
 * MDX_S3_ENDPOINT, MDX_S3_PROTOCOL http|https; credentials from
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS shared credentials
 * file, refused when group or others can access it).  root NULL means
 * MDX_LAKE, else ./var/lake.  Ends the program with MDX_EX_CONFIG when the
 * configuration is bad, or, when must_exist is set, when a local root is
 * not an existing directory (only put creates a lake: a misspelt root must
 * not read as an empty lake).  Secrets never appear in messages.
 */
struct mdx_lake *mdx_lake_open(const char *root, int must_exist);
void mdx_lake_close(struct mdx_lake *l);

/* The partition fields, in path order. */
enum mdx_lake_field {
	MDX_LF_EXCHANGE, MDX_LF_MARKET, MDX_LF_KIND, MDX_LF_SYMBOL,
	MDX_LF_INTERVAL, MDX_LF_DATE, MDX_LF_N
};
extern const char *const mdx_lake_field_names[MDX_LF_N];

#define MDX_LAKE_VALUE_MAX 64

/*
 * Whether s[0..n) may be a path component of the lake (a partition value,
 * a prefix, a consumer name): 1 to MDX_LAKE_VALUE_MAX bytes of
 * [A-Za-z0-9._-], not starting with a dot.  Returns NULL when it may, else
 * the reason ("contains '/'").
 */
const char *mdx_lake_check_value(const char *s, size_t n);

struct mdx_lake_put {
	const char *prefix;	/* first path component: raw, canonical */
	int level;		/* gzip level 1-9 */
	uint64_t object_size;	/* start a new object after this many
				   compressed bytes */
	int max_open;		/* partitions written at once; the least
				   recently used one is finished first */
	const char *keys;	/* when not NULL, the file that receives
				   the keys of the objects written */
};

/*
 * put: copies every byte read from fd to tee unchanged (tee may be NULL)
 * and stores each record in the object of its partition.  A line that is
 * not a JSON object with safe partition values is reported with its line
 * number and not stored.  Once every object is committed, the keys of the
 * objects written (as ls names them, one a line) go to the file o->keys
 * when that is set, so that a loader can record the lineage of what it
 * loads.  Returns MDX_EX_OK, or MDX_EX_DATAERR when lines were rejected
 * (everything else is stored).
 */
int mdx_lake_put(struct mdx_lake *l, const struct mdx_lake_put *o, int fd,
    struct mdx_writer *tee);

/* What cat, ls, stats, verify, archive and prune work on. */
struct mdx_lake_sel {
	const char *prefix;		/* NULL: every prefix */
	const char *value[MDX_LF_N];	/* "a,b": either; NULL: any */
	const char *notvalue[MDX_LF_N];	/* "a,b": neither; NULL: none */
	mdx_time since, until;		/* records in [since, until) */
	int has_since, has_until;
	const char *consumer;		/* cat --new NAME */
};

void mdx_lake_sel_init(struct mdx_lake_sel *s);
/* Adds a "field=value[,value...]" argument, or "field!=value[,value...]"
 * for the partitions whose field has none of the values (a partition
 * without the field, such as the interval of depth, has none); 0 ok, -1
 * with *why set. */
int mdx_lake_sel_add(struct mdx_lake_sel *s, const char *arg,
    const char **why);

int mdx_lake_cat(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out);
/* Marks what the consumer's last cat --new streamed as read. */
int mdx_lake_commit(struct mdx_lake *l, const char *consumer);
int mdx_lake_ls(struct mdx_lake *l, const struct mdx_lake_sel *s, int json,
    struct mdx_writer *out);
/* archive and prune work on the partition days that ended before
 * cutoff. */
int mdx_lake_archive(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out);
/* Moves manifests of the old layout (beside their data) to _manifests/
 * and turns tar archives into compacted objects. */
int mdx_lake_migrate(struct mdx_lake *l, const struct mdx_lake_sel *s,
    int dry_run, struct mdx_writer *out);
int mdx_lake_prune(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out);
int mdx_lake_stats(struct mdx_lake *l, const struct mdx_lake_sel *s,
    int json, struct mdx_writer *out);
int mdx_lake_verify(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out);

#endif /* MDX_LAKE_H */
