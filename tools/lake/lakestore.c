/*
 * lakestore.c - where the lake keeps its objects: a local directory, or an
 * S3 bucket through libs3.  Both offer the same few operations (create a
 * new object, commit it atomically, read, delete, list), so every lake
 * command works the same on both.
 *
 * Atomicity: a local object is written to a temporary file in its own
 * directory (a dot name the lake ignores), fsync'ed, then renamed over its
 * final name, and the directory is fsync'ed.  An S3 object is written to an
 * anonymous temporary file first, then sent in one PUT, which S3 makes
 * visible whole or not at all.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libs3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "buf.h"

#include "lake.h"
#include "lake_int.h"

int
lake_fail(struct mdx_lake *l, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	l->errstatus = status;
	return -1;
}

void
lake_die(struct mdx_lake *l)
{
	mdx_die(l->errstatus ? l->errstatus : MDX_EX_FAIL, "%s", l->err);
}

int
lake_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t k;

	while (n > 0) {
		k = write(fd, s, n);
		if (k == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += k;
		n -= k;
	}
	return 0;
}

void
lake_ents_free(struct lake_ent *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].key);
	free(e);
}

static void
ents_add(struct lake_ent **e, size_t *n, size_t *cap, const char *key,
    uint64_t size, int64_t mtime)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*e = mdx_realloc(*e, *cap * sizeof(**e));
	}
	(*e)[*n].key = mdx_strdup(key);
	(*e)[*n].size = size;
	(*e)[*n].mtime = mtime;
	(*n)++;
}

/* ------------------------------------------------------------------------
 * The local directory.
 */

static char *
local_path(struct mdx_lake *l, const char *key)
{
	return mdx_strfmt("%s/%s", l->dir, key);
}

static int
local_create(struct mdx_lake *l, const char *key, struct lake_file *f)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char *path, *slash;

	path = local_path(l, key);
	if (mdx_mkdirs(path) == -1) {
		lake_fail(l, MDX_EX_IOERR, "cannot create directory for \"%s\": %s",
		    path, strerror(errno));
		free(path);
		return -1;
	}
	slash = strrchr(path, '/');
	mdx_buf_add(&b, path, slash + 1 - path);
	mdx_buf_printf(&b, ".tmp-%s-XXXXXX", slash + 1);
	free(path);
	f->fd = mkstemp(b.data);
	if (f->fd == -1) {
		lake_fail(l, MDX_EX_IOERR, "cannot create \"%s\": %s", b.data,
		    strerror(errno));
		mdx_buf_free(&b);
		return -1;
	}
	f->tmp = mdx_buf_detach(&b, NULL);
	f->key = mdx_strdup(key);
	f->nodirsync = 0;
	return 0;
}

static mode_t
file_mode(void)
{
	static int done;
	static mode_t mode;
	mode_t m;

	if (!done) {
		m = umask(0);
		umask(m);
		mode = 0666 & ~m;
		done = 1;
	}
	return mode;
}

static int
local_commit(struct mdx_lake *l, struct lake_file *f)
{
	char *path, *slash;
	int dfd, rc = 0;

	path = local_path(l, f->key);
	if (fchmod(f->fd, file_mode()) == -1 || fdatasync(f->fd) == -1) {
		rc = lake_fail(l, MDX_EX_IOERR, "cannot write \"%s\": %s",
		    f->tmp, strerror(errno));
	}
	if (close(f->fd) == -1 && rc == 0)
		rc = lake_fail(l, MDX_EX_IOERR, "cannot write \"%s\": %s",
		    f->tmp, strerror(errno));
	f->fd = -1;
	if (rc == 0 && rename(f->tmp, path) == -1)
		rc = lake_fail(l, MDX_EX_IOERR, "cannot rename \"%s\": %s",
		    f->tmp, strerror(errno));
	if (rc == 0 && !f->nodirsync) {
		/* The rename itself is durable only once the directory is. */
		slash = strrchr(path, '/');
		*slash = '\0';
		if ((dfd = open(path, O_RDONLY | O_DIRECTORY)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	} else
		unlink(f->tmp);
	free(path);
	free(f->tmp);
	free(f->key);
	f->tmp = f->key = NULL;
	return rc;
}

static void
local_discard(struct mdx_lake *l, struct lake_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	if (f->tmp != NULL)
		unlink(f->tmp);
	free(f->tmp);
	free(f->key);
	f->fd = -1;
	f->tmp = f->key = NULL;
}

static int
local_get(struct mdx_lake *l, const char *key)
{
	char *path;
	int fd;

	path = local_path(l, key);
	l->notfound = 0;
	if ((fd = open(path, O_RDONLY)) == -1) {
		l->notfound = errno == ENOENT;
		lake_fail(l, MDX_EX_IOERR, "cannot open \"%s\": %s", path,
		    strerror(errno));
	}
	free(path);
	return fd;
}

static int
local_del(struct mdx_lake *l, const char *key)
{
	char *path, *slash;
	size_t rootlen = strlen(l->dir);

	path = local_path(l, key);
	if (unlink(path) == -1 && errno != ENOENT) {
		lake_fail(l, MDX_EX_IOERR, "cannot remove \"%s\": %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	/* Empty partition directories go too, up to the root. */
	while ((slash = strrchr(path, '/')) != NULL &&
	    (size_t)(slash - path) > rootlen) {
		*slash = '\0';
		if (rmdir(path) == -1)
			break;
	}
	free(path);
	return 0;
}

static int
local_walk(struct mdx_lake *l, struct mdx_buf *rel, struct lake_ent **e,
    size_t *n, size_t *cap)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *path;
	size_t len = rel->len;
	int rc = 0;

	path = local_path(l, rel->data);
	d = opendir(path);
	if (d == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = 0;
		else
			rc = lake_fail(l, MDX_EX_IOERR, "cannot read \"%s\": %s",
			    path, strerror(errno));
		free(path);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rel->len = len;
		if (len > 0)
			mdx_buf_addch(rel, '/');
		mdx_buf_addstr(rel, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = local_walk(l, rel, e, n, cap);
		else if (S_ISREG(st.st_mode))
			ents_add(e, n, cap, rel->data, st.st_size,
			    (int64_t)st.st_mtim.tv_sec * 1000 +
			    st.st_mtim.tv_nsec / 1000000);
	}
	closedir(d);
	free(path);
	rel->len = len;
	rel->data[len] = '\0';
	return rc;
}

static int
local_list(struct mdx_lake *l, const char *prefix, struct lake_ent **e,
    size_t *n)
{
	struct mdx_buf rel = MDX_BUF_INIT;
	size_t cap = 0;
	int rc;

	*e = NULL;
	*n = 0;
	mdx_buf_addstr(&rel, prefix);
	while (rel.len > 0 && rel.data[rel.len - 1] == '/')
		rel.data[--rel.len] = '\0';
	rc = local_walk(l, &rel, e, n, &cap);
	mdx_buf_free(&rel);
	return rc;
}

static void
local_close(struct mdx_lake *l)
{
}

static const struct lake_backend local_backend = {
	local_create, local_commit, local_discard, local_get, local_del,
	local_list, local_close
};

int
lake_open_local(struct mdx_lake *l, const char *dir, int must_exist)
{
	size_t n = strlen(dir);
	struct stat sb;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	l->be = &local_backend;
	l->dir = mdx_strndup(dir, n);
	l->display = mdx_strdup(l->dir);
	if (!must_exist)
		return 0;
	if (stat(l->dir, &sb) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return lake_fail(l, MDX_EX_CONFIG, "lake \"%s\" does "
			    "not exist (only put creates a lake)", l->dir);
		return lake_fail(l, MDX_EX_IOERR, "cannot open lake \"%s\": "
		    "%s", l->dir, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return lake_fail(l, MDX_EX_CONFIG, "lake \"%s\" is not a "
		    "directory", l->dir);
	return 0;
}

/* ------------------------------------------------------------------------
 * S3 through libs3.  libs3 2.0 signs requests with AWS signature version 2
 * and we use path-style URIs (http://host/bucket/key), which MinIO, Ceph
 * and s3rver accept.  Requests are synchronous; a request that fails with
 * a status libs3 calls retryable is tried again, up to S3_TRIES times.
 */
#define S3_TRIES 4

struct s3cb {
	struct mdx_lake *l;
	S3Status status;
	char msg[256];
	int fd;			/* put: source; get: destination */
	int ioerr;		/* errno of a failed read or write */
	/* list */
	struct lake_ent **e;
	size_t *n, *cap;
	int truncated;
	char *marker;
	size_t kplen;
};

static int s3_inited;

static S3Status
s3_props(const S3ResponseProperties *p, void *data)
{
	return S3StatusOK;
}

static void
s3_complete(S3Status status, const S3ErrorDetails *err, void *data)
{
	struct s3cb *cb = data;

	cb->status = status;
	cb->msg[0] = '\0';
	/* Only the server's message: never headers, never the request's
	 * signature details. */
	if (status != S3StatusOK && err != NULL && err->message != NULL)
		snprintf(cb->msg, sizeof(cb->msg), ": %s", err->message);
}

static void
s3_context(struct mdx_lake *l, S3BucketContext *c)
{
	memset(c, 0, sizeof(*c));
	c->hostName = l->host;
	c->bucketName = l->bucket;
	c->protocol = l->https ? S3ProtocolHTTPS : S3ProtocolHTTP;
	c->uriStyle = S3UriStylePath;
	c->accessKeyId = l->akid;
	c->secretAccessKey = l->secret;
}

static char *
s3_key(struct mdx_lake *l, const char *key)
{
	return mdx_strfmt("%s%s", l->kprefix, key);
}

/* Turns a failed request into lake->err with the exit status it calls
 * for. */
static int
s3_error(struct mdx_lake *l, struct s3cb *cb, const char *op,
    const char *key)
{
	int st;

	switch (cb->status) {
	case S3StatusNameLookupError:
	case S3StatusFailedToConnect:
	case S3StatusConnectionFailed:
	case S3StatusServerFailedVerification:
		st = MDX_EX_UNAVAILABLE;
		break;
	case S3StatusErrorAccessDenied:
	case S3StatusErrorInvalidAccessKeyId:
	case S3StatusErrorSignatureDoesNotMatch:
	case S3StatusErrorNoSuchBucket:
	case S3StatusHttpErrorForbidden:
	case S3StatusErrorInvalidBucketName:
		st = MDX_EX_CONFIG;
		break;
	case S3StatusAbortedByCallback:
		st = MDX_EX_IOERR;
		break;
	default:
		st = S3_status_is_retryable(cb->status) ? MDX_EX_TEMPFAIL :
		    MDX_EX_UNAVAILABLE;
	}
	if (cb->status == S3StatusAbortedByCallback && cb->ioerr)
		return lake_fail(l, st, "s3 %s \"s3://%s/%s%s\": %s", op,
		    l->bucket, l->kprefix, key, strerror(cb->ioerr));
	return lake_fail(l, st, "s3 %s \"s3://%s/%s%s\" at %s: %s%s", op,
	    l->bucket, l->kprefix, key, l->host,
	    S3_get_status_name(cb->status), cb->msg);
}

static void
s3_backoff(int attempt)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = 100000000L << attempt;
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	nanosleep(&ts, NULL);
}

static int
anon_tmp(struct mdx_lake *l)
{
	struct mdx_buf b = MDX_BUF_INIT;
	const char *dir = getenv("TMPDIR");
	int fd;

	mdx_buf_printf(&b, "%s/mdx-lake-XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	fd = mkstemp(b.data);
	if (fd == -1)
		lake_fail(l, MDX_EX_IOERR, "cannot create a temporary file in "
		    "\"%s\": %s", dir != NULL && *dir ? dir : "/tmp",
		    strerror(errno));
	else
		unlink(b.data);
	mdx_buf_free(&b);
	return fd;
}

static int
s3_create(struct mdx_lake *l, const char *key, struct lake_file *f)
{
	if ((f->fd = anon_tmp(l)) == -1)
		return -1;
	f->tmp = NULL;
	f->key = mdx_strdup(key);
	f->nodirsync = 0;
	return 0;
}

static int
s3_put_data(int size, char *buf, void *data)
{
	struct s3cb *cb = data;
	ssize_t k;

	do
		k = read(cb->fd, buf, size);
	while (k == -1 && errno == EINTR);
	if (k == -1) {
		cb->ioerr = errno;
		return -1;
	}
	return (int)k;
}

static int
s3_commit(struct mdx_lake *l, struct lake_file *f)
{
	S3PutObjectHandler h = { { s3_props, s3_complete }, s3_put_data };
	S3BucketContext c;
	struct s3cb cb;
	off_t size;
	char *k;
	int try, rc = 0;

	s3_context(l, &c);
	k = s3_key(l, f->key);
	size = lseek(f->fd, 0, SEEK_END);
	for (try = 0; try < S3_TRIES; try++) {
		memset(&cb, 0, sizeof(cb));
		cb.l = l;
		cb.fd = f->fd;
		if (size == -1 || lseek(f->fd, 0, SEEK_SET) == -1) {
			cb.status = S3StatusAbortedByCallback;
			cb.ioerr = errno;
			break;
		}
		S3_put_object(&c, k, (uint64_t)size, NULL, NULL, &h, &cb);
		if (cb.status == S3StatusOK ||
		    !S3_status_is_retryable(cb.status))
			break;
		s3_backoff(try);
	}
	if (cb.status != S3StatusOK)
		rc = s3_error(l, &cb, "PUT", f->key);
	close(f->fd);
	f->fd = -1;
	free(k);
	free(f->key);
	f->key = NULL;
	return rc;
}

static void
s3_discard(struct mdx_lake *l, struct lake_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	free(f->key);
	f->fd = -1;
	f->key = NULL;
}

static S3Status
s3_get_data(int size, const char *buf, void *data)
{
	struct s3cb *cb = data;

	if (lake_write_all(cb->fd, buf, size) == -1) {
		cb->ioerr = errno;
		return S3StatusAbortedByCallback;
	}
	return S3StatusOK;
}

static int
s3_get(struct mdx_lake *l, const char *key)
{
	S3GetObjectHandler h = { { s3_props, s3_complete }, s3_get_data };
	S3BucketContext c;
	struct s3cb cb;
	char *k;
	int fd, try;

	l->notfound = 0;
	if ((fd = anon_tmp(l)) == -1)
		return -1;
	s3_context(l, &c);
	k = s3_key(l, key);
	for (try = 0; try < S3_TRIES; try++) {
		memset(&cb, 0, sizeof(cb));
		cb.l = l;
		cb.fd = fd;
		if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1) {
			cb.status = S3StatusAbortedByCallback;
			cb.ioerr = errno;
			break;
		}
		S3_get_object(&c, k, NULL, 0, 0, NULL, &h, &cb);
		if (cb.status == S3StatusOK ||
		    !S3_status_is_retryable(cb.status))
			break;
		s3_backoff(try);
	}
	free(k);
	if (cb.status != S3StatusOK) {
		l->notfound = cb.status == S3StatusErrorNoSuchKey ||
		    cb.status == S3StatusHttpErrorNotFound;
		s3_error(l, &cb, "GET", key);
		close(fd);
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		lake_fail(l, MDX_EX_IOERR, "temporary file: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
s3_del(struct mdx_lake *l, const char *key)
{
	S3ResponseHandler h = { s3_props, s3_complete };
	S3BucketContext c;
	struct s3cb cb;
	char *k;
	int try;

	s3_context(l, &c);
	k = s3_key(l, key);
	for (try = 0; try < S3_TRIES; try++) {
		memset(&cb, 0, sizeof(cb));
		S3_delete_object(&c, k, NULL, &h, &cb);
		if (cb.status == S3StatusOK ||
		    !S3_status_is_retryable(cb.status))
			break;
		s3_backoff(try);
	}
	free(k);
	if (cb.status != S3StatusOK && cb.status != S3StatusErrorNoSuchKey &&
	    cb.status != S3StatusHttpErrorNotFound)
		return s3_error(l, &cb, "DELETE", key);
	return 0;
}

static S3Status
s3_list_cb(int truncated, const char *next, int count,
    const S3ListBucketContent *c, int nprefix, const char **prefixes,
    void *data)
{
	struct s3cb *cb = data;
	int i;

	cb->truncated = truncated;
	for (i = 0; i < count; i++) {
		if (strlen(c[i].key) < cb->kplen)
			continue;
		ents_add(cb->e, cb->n, cb->cap, c[i].key + cb->kplen,
		    c[i].size, c[i].lastModified * 1000);
	}
	free(cb->marker);
	cb->marker = NULL;
	if (next != NULL && *next != '\0')
		cb->marker = mdx_strdup(next);
	else if (count > 0)
		cb->marker = mdx_strdup(c[count - 1].key);
	return S3StatusOK;
}

static int
s3_list(struct mdx_lake *l, const char *prefix, struct lake_ent **e,
    size_t *n)
{
	S3ListBucketHandler h = { { s3_props, s3_complete }, s3_list_cb };
	S3BucketContext c;
	struct s3cb cb;
	char *k, *marker = NULL;
	size_t cap = 0;
	int try;

	*e = NULL;
	*n = 0;
	s3_context(l, &c);
	k = s3_key(l, prefix);
	for (;;) {
		for (try = 0; try < S3_TRIES; try++) {
			memset(&cb, 0, sizeof(cb));
			cb.l = l;
			cb.e = e;
			cb.n = n;
			cb.cap = &cap;
			cb.kplen = strlen(l->kprefix);
			S3_list_bucket(&c, k, marker, NULL, 1000, NULL, &h, &cb);
			if (cb.status == S3StatusOK ||
			    !S3_status_is_retryable(cb.status))
				break;
			free(cb.marker);
			s3_backoff(try);
		}
		free(marker);
		marker = cb.marker;
		if (cb.status != S3StatusOK) {
			free(marker);
			free(k);
			lake_ents_free(*e, *n);
			*e = NULL;
			*n = 0;
			return s3_error(l, &cb, "LIST", prefix);
		}
		if (!cb.truncated || marker == NULL)
			break;
	}
	free(marker);
	free(k);
	return 0;
}

static void
s3_close(struct mdx_lake *l)
{
	if (l->secret != NULL) {
		memset(l->secret, 0, strlen(l->secret));
		free(l->secret);
		l->secret = NULL;
	}
}

static const struct lake_backend s3_backend = {
	s3_create, s3_commit, s3_discard, s3_get, s3_del, s3_list, s3_close
};

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * Reads the key pair of a profile from an AWS shared credentials file.  The
 * file is refused when its group or others have any access to it, as ssh
 * refuses a private key: a secret others can read is no longer a secret.
 * Returns 1 found, 0 no file, -1 refused or unreadable (lake->err set).
 */
static int
s3_credfile(struct mdx_lake *l)
{
	struct mdx_buf path = MDX_BUF_INIT;
	const char *f, *home, *profile;
	char line[1024], *p, *eq, *k, *v;
	struct stat st;
	FILE *fp;
	int fd, in = 0, rc = 0;

	if ((f = getenv("AWS_SHARED_CREDENTIALS_FILE")) != NULL && *f != '\0')
		mdx_buf_addstr(&path, f);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		mdx_buf_printf(&path, "%s/.aws/credentials", home);
	else
		return 0;
	if ((profile = getenv("AWS_PROFILE")) == NULL || *profile == '\0')
		profile = "default";
	if ((fd = open(path.data, O_RDONLY)) == -1) {
		if (errno == ENOENT) {
			mdx_buf_free(&path);
			return 0;
		}
		rc = lake_fail(l, MDX_EX_CONFIG, "cannot read \"%s\": %s",
		    path.data, strerror(errno));
		mdx_buf_free(&path);
		return rc;
	}
	if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0) {
		rc = lake_fail(l, MDX_EX_CONFIG, "credentials file \"%s\" is "
		    "accessible by group or others (mode %03o); "
		    "chmod 600 it", path.data, (unsigned)st.st_mode & 0777);
		close(fd);
		mdx_buf_free(&path);
		return rc;
	}
	fp = fdopen(fd, "r");
	while (fgets(line, sizeof(line), fp) != NULL) {
		p = trim(line);
		if (*p == '#' || *p == ';' || *p == '\0')
			continue;
		if (*p == '[') {
			if ((eq = strchr(p, ']')) != NULL)
				*eq = '\0';
			in = strcmp(trim(p + 1), profile) == 0;
			continue;
		}
		if (!in || (eq = strchr(p, '=')) == NULL)
			continue;
		*eq = '\0';
		k = trim(p);
		v = trim(eq + 1);
		if (strcmp(k, "aws_access_key_id") == 0) {
			free(l->akid);
			l->akid = mdx_strdup(v);
		} else if (strcmp(k, "aws_secret_access_key") == 0) {
			if (l->secret != NULL)
				memset(l->secret, 0, strlen(l->secret));
			free(l->secret);
			l->secret = mdx_strdup(v);
		}
	}
	memset(line, 0, sizeof(line));
	fclose(fp);
	if (l->akid == NULL || l->secret == NULL)
		rc = lake_fail(l, MDX_EX_CONFIG, "credentials file \"%s\" has "
		    "no aws_access_key_id and aws_secret_access_key in "
		    "profile \"%s\"", path.data, profile);
	else
		rc = 1;
	mdx_buf_free(&path);
	return rc;
}

int
lake_open_s3(struct mdx_lake *l, const char *uri)
{
	const char *b = uri + 5, *slash, *ak, *sk, *ep, *proto;
	struct mdx_buf kp = MDX_BUF_INIT;
	S3Status st;
	int rc;

	l->be = &s3_backend;
	slash = strchr(b, '/');
	l->bucket = slash ? mdx_strndup(b, slash - b) : mdx_strdup(b);
	if (slash != NULL) {
		mdx_buf_addstr(&kp, slash + 1);
		while (kp.len > 0 && kp.data[kp.len - 1] == '/')
			kp.data[--kp.len] = '\0';
		if (kp.len > 0)
			mdx_buf_addch(&kp, '/');
	}
	mdx_buf_addstr(&kp, "");
	l->kprefix = mdx_buf_detach(&kp, NULL);
	l->display = mdx_strdup(uri);
	if (*l->bucket == '\0' ||
	    S3_validate_bucket_name(l->bucket, S3UriStylePath) != S3StatusOK)
		return lake_fail(l, MDX_EX_CONFIG, "bad bucket name in lake "
		    "\"%s\"", uri);
	ep = getenv("MDX_S3_ENDPOINT");
	l->host = mdx_strdup(ep != NULL && *ep != '\0' ? ep :
	    S3_DEFAULT_HOSTNAME);
	proto = getenv("MDX_S3_PROTOCOL");
	if (proto == NULL || *proto == '\0' || strcmp(proto, "https") == 0)
		l->https = 1;
	else if (strcmp(proto, "http") == 0)
		l->https = 0;
	else
		return lake_fail(l, MDX_EX_CONFIG, "bad MDX_S3_PROTOCOL \"%s\": "
		    "use http or https", proto);
	ak = getenv("AWS_ACCESS_KEY_ID");
	sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (ak != NULL && *ak != '\0' && sk != NULL && *sk != '\0') {
		l->akid = mdx_strdup(ak);
		l->secret = mdx_strdup(sk);
	} else if ((rc = s3_credfile(l)) <= 0) {
		if (rc == 0)
			return lake_fail(l, MDX_EX_CONFIG, "no S3 credentials: "
			    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
			    "or write them to ~/.aws/credentials "
			    "(AWS_SHARED_CREDENTIALS_FILE)");
		return -1;
	}
	if (!s3_inited) {
		st = S3_initialize("mdx-lake", S3_INIT_ALL, l->host);
		if (st != S3StatusOK)
			return lake_fail(l, MDX_EX_FAIL, "cannot initialise "
			    "libs3: %s", S3_get_status_name(st));
		s3_inited = 1;
	}
	return 0;
}
