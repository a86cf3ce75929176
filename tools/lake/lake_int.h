/*
 * lake_int.h - what the lake's modules share: the storage backends
 * (lakestore.c, a local directory and S3) and the commands built on
 * them (lake.c).  Private to the lake's modules;
 * main.c uses lake.h.
 */
#ifndef MDX_LAKE_INT_H
#define MDX_LAKE_INT_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "lake.h"

/* A new object being written: a temporary file that becomes key when it is
 * committed, or vanishes when it is discarded. */
struct lake_file {
	int fd;
	char *tmp;	/* local: the temporary path; S3: NULL (unlinked) */
	char *key;
	int nodirsync;	/* local: a manifest follows in the same directory,
			   and its commit makes both renames durable */
};

/* One stored key, as a listing returns it. */
struct lake_ent {
	char *key;	/* relative to the lake root: raw/exchange=.../NAME */
	uint64_t size;
	int64_t mtime;	/* ms since the epoch */
};

struct lake_backend {
	/* Starts a new object; 0 ok, -1 with lake->err set. */
	int (*create)(struct mdx_lake *, const char *key, struct lake_file *);
	/* Makes the finished file visible under its key at once. */
	int (*commit)(struct mdx_lake *, struct lake_file *);
	void (*discard)(struct mdx_lake *, struct lake_file *);
	/* A readable descriptor on the object, at its start; -1 on failure
	 * (lake->notfound tells a missing key). */
	int (*get)(struct mdx_lake *, const char *key);
	int (*del)(struct mdx_lake *, const char *key);
	/* Every key under prefix ("" for all), in no particular order. */
	int (*list)(struct mdx_lake *, const char *prefix, struct lake_ent **,
	    size_t *);
	void (*close)(struct mdx_lake *);
};

struct mdx_lake {
	const struct lake_backend *be;
	char *display;		/* the root as shown in messages */
	char *dir;		/* local: the root directory */
	char *bucket;		/* S3 */
	char *kprefix;		/* S3: key prefix inside the bucket, "" or
				   ending in "/" */
	char *host;		/* S3: the endpoint, host[:port] */
	int https;
	int vhost;		/* S3: virtual-hosted style, else path */
	char *region;		/* S3: the region requests are signed for */
	char *sigv4;		/* S3: "aws:amz:REGION:s3" for libcurl */
	char *akid;
	char *secret;
	char *token;		/* S3: the session token, or NULL */
	char err[512];		/* the reason of the last failure */
	int errstatus;		/* its enum mdx_exit */
	int notfound;
};

/* Sets lake->err and errstatus; returns -1. */
int lake_fail(struct mdx_lake *l, int status, const char *fmt, ...)
    MDX_PRINTF(3, 4);
/* Ends the program with lake->err. */
void lake_die(struct mdx_lake *l) MDX_NORETURN;

/* Writes all of p[0..n) to fd; 0 ok, -1 with errno. */
int lake_write_all(int fd, const void *p, size_t n);

int lake_open_local(struct mdx_lake *l, const char *dir, int must_exist);
int lake_open_s3(struct mdx_lake *l, const char *uri);

void lake_ents_free(struct lake_ent *e, size_t n);

/*
 * Reads the keys of profile from an AWS shared credentials file open on fp
 * (named path in messages).  Each line is blank, a comment ("#" or ";"
 * first), a section header "[NAME]", or "KEY = VALUE", blanks around
 * each part ignored.  In the section named profile, aws_access_key_id,
 * aws_secret_access_key and aws_session_token replace *akid, *secret and
 * *token (the last line wins; the strings are the caller's to wipe and
 * free); other keys and sections are skipped.  Returns 0, or -1 with why
 * naming path and the line that is neither (or holds a NUL byte).
 */
int s3_cred_parse(FILE *fp, const char *path, const char *profile,
    char **akid, char **secret, char **token, char *why, size_t whysz);

#endif
