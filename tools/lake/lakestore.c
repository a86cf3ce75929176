/*
 * lakestore.c - where the lake keeps its objects: a local directory, or an
 * S3 bucket through libcurl.  Both offer the same few operations (create a
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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "buf.h"
#include "sha256.h"
#include "utc.h"

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
 * S3 through libcurl, signed with AWS Signature Version 4 by libcurl
 * itself (CURLOPT_AWS_SIGV4, libcurl 7.75 or later; Debian 12 has 7.88).
 * Version 4 is the only signature AWS accepts in every region and for
 * every bucket, and the one MinIO and Ceph check.
 *
 * What libcurl 7.88 leaves to us, and this code does:
 *   - the payload's hash: S3 wants it in x-amz-content-sha256 and in the
 *     signature.  libcurl signs with the value of that header when the
 *     request has one, so every request sends it: the SHA-256 of the PUT's
 *     body (S3 then refuses a body that arrives changed), else that of the
 *     empty body.
 *   - the query: libcurl 7.88 signs it as it stands, where S3 sorts its
 *     parameters and encodes them in full before it signs, so s3_list()
 *     writes the query already in that canonical form (later libcurls
 *     canonicalise it themselves, which leaves a canonical query as it is).
 *   - the path: signed as sent, so keys are encoded here, each byte outside
 *     RFC 3986's unreserved set as %XX, as S3 encodes them to sign.
 *
 * Addressing: path style (https://endpoint/bucket/key), which MinIO, Ceph
 * and s3rver take, or virtual-hosted style (https://bucket.endpoint/key),
 * which AWS prefers.  Requests are synchronous on one handle, so that the
 * connection is kept from one request to the next; a request that fails in
 * a way that may pass on a second try (a lost connection, a timeout, a 5xx
 * answer) is tried again, up to S3_TRIES times.
 */
#define S3_TRIES 4
#define S3_ERRBODY_MAX 65536

/* libcurl 7.75.0: the first with CURLOPT_AWS_SIGV4. */
#define S3_CURL_SIGV4 0x074b00

/* The x-amz-content-sha256 of a request without a body. */
static const char s3_empty_sha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* One request and what came of it. */
struct s3req {
	CURL *curl;
	const char *op;		/* PUT GET DELETE LIST, for messages */
	const char *key;	/* relative to the lake root, for messages */
	int infd;		/* PUT: the body; else -1 */
	int outfd;		/* GET: where a 2xx body goes; else -1 */
	/* The outcome of the last try. */
	CURLcode cc;
	long status;		/* the HTTP status, 0 without an answer */
	int ioerr;		/* errno of a failed local read or write */
	struct mdx_buf body;	/* the answer (LIST, or an error's XML) */
	char curlerr[CURL_ERROR_SIZE];
	char code[64];		/* S3's <Code> of an error */
	char msg[256];		/* and its <Message> */
};

static int s3_curl_inited;

/*
 * A libcurl handle serves one thread at a time, and put commits from a few
 * threads at once (lake.c), each with its own copy of the lake: so each
 * thread has a handle of its own, made at its first request and cleaned
 * up when the thread ends (the main thread's by s3_close()).
 */
static pthread_once_t s3_once = PTHREAD_ONCE_INIT;
static pthread_key_t s3_handle_key;
static int s3_key_ok;

static void
s3_handle_free(void *c)
{
	curl_easy_cleanup(c);
}

static void
s3_key_init(void)
{
	s3_key_ok = pthread_key_create(&s3_handle_key, s3_handle_free) == 0;
}

/* This thread's handle, or NULL when libcurl cannot make one. */
static CURL *
s3_handle(void)
{
	CURL *c;

	pthread_once(&s3_once, s3_key_init);
	if (!s3_key_ok)
		return NULL;
	if ((c = pthread_getspecific(s3_handle_key)) == NULL &&
	    (c = curl_easy_init()) != NULL &&
	    pthread_setspecific(s3_handle_key, c) != 0) {
		curl_easy_cleanup(c);
		c = NULL;
	}
	return c;
}

/*
 * Appends s percent-encoded as S3 encodes it to sign: the unreserved bytes
 * of RFC 3986 as they are, '/' too when keepslash, all others as %XX.
 */
static void
s3_encode(struct mdx_buf *b, const char *s, int keepslash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (c == '/' && keepslash))
			mdx_buf_addch(b, c);
		else {
			mdx_buf_addch(b, '%');
			mdx_buf_addch(b, hex[c >> 4]);
			mdx_buf_addch(b, hex[c & 15]);
		}
	}
}

/* The URL of key (a full key in the bucket; NULL for the bucket itself)
 * with query (canonical already, or NULL). */
static char *
s3_url(struct mdx_lake *l, const char *key, const char *query)
{
	struct mdx_buf u = MDX_BUF_INIT;

	mdx_buf_printf(&u, "%s://", l->https ? "https" : "http");
	if (l->vhost)
		mdx_buf_printf(&u, "%s.%s/", l->bucket, l->host);
	else
		mdx_buf_printf(&u, "%s/%s%s", l->host, l->bucket,
		    key != NULL ? "/" : "");
	if (key != NULL)
		s3_encode(&u, key, 1);
	if (query != NULL)
		mdx_buf_printf(&u, "?%s", query);
	return mdx_buf_detach(&u, NULL);
}

/*
 * Finds the next element <name>...</name> in [*p, end): sets [*cs, *ce)
 * to its content and moves *p past it.  Returns 0 when there is none.
 * Enough XML for S3's answers, which have no comments, CDATA or nesting of
 * an element in one of the same name.
 */
static int
xml_elem(const char **p, const char *end, const char *name, const char **cs,
    const char **ce)
{
	size_t n = strlen(name);
	const char *s = *p, *gt, *c;

	for (; (s = memchr(s, '<', end - s)) != NULL; s++) {
		if ((size_t)(end - s) < n + 2 || memcmp(s + 1, name, n) != 0 ||
		    strchr("> \t\r\n/", s[n + 1]) == NULL)
			continue;
		if ((gt = memchr(s, '>', end - s)) == NULL)
			return 0;
		if (gt[-1] == '/') {
			*cs = *ce = *p = gt + 1;
			return 1;
		}
		for (c = gt + 1; (c = memchr(c, '<', end - c)) != NULL; c++) {
			if ((size_t)(end - c) >= n + 3 && c[1] == '/' &&
			    memcmp(c + 2, name, n) == 0 && c[n + 2] == '>') {
				*cs = gt + 1;
				*ce = c;
				*p = c + n + 3;
				return 1;
			}
		}
		return 0;
	}
	return 0;
}

/* Appends code point cp as UTF-8. */
static void
utf8_add(struct mdx_buf *b, unsigned long cp)
{
	if (cp < 0x80)
		mdx_buf_addch(b, (int)cp);
	else if (cp < 0x800) {
		mdx_buf_addch(b, 0xc0 | (int)(cp >> 6));
		mdx_buf_addch(b, 0x80 | (int)(cp & 0x3f));
	} else if (cp < 0x10000) {
		mdx_buf_addch(b, 0xe0 | (int)(cp >> 12));
		mdx_buf_addch(b, 0x80 | (int)((cp >> 6) & 0x3f));
		mdx_buf_addch(b, 0x80 | (int)(cp & 0x3f));
	} else {
		mdx_buf_addch(b, 0xf0 | (int)(cp >> 18));
		mdx_buf_addch(b, 0x80 | (int)((cp >> 12) & 0x3f));
		mdx_buf_addch(b, 0x80 | (int)((cp >> 6) & 0x3f));
		mdx_buf_addch(b, 0x80 | (int)(cp & 0x3f));
	}
}

/*
 * The text of [s, e) with XML's escapes undone (the five named entities and
 * numeric references, which S3 uses for control characters in keys), into
 * b.  Returns 0, or -1 for an escape XML does not have.
 */
static int
xml_text(struct mdx_buf *b, const char *s, const char *e)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' },
		{ "quot;", '"' }, { "apos;", '\'' }
	};
	const char *semi;
	unsigned long cp;
	char *endp;
	size_t i, n;

	mdx_buf_reset(b);
	while (s < e) {
		if (*s != '&') {
			mdx_buf_addch(b, *s++);
			continue;
		}
		s++;
		if ((semi = memchr(s, ';', e - s)) == NULL)
			return -1;
		n = semi + 1 - s;
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (strlen(ents[i].name) == n &&
			    memcmp(s, ents[i].name, n) == 0)
				break;
		if (i < sizeof(ents) / sizeof(ents[0]))
			mdx_buf_addch(b, ents[i].c);
		else if (*s == '#' && n > 2) {
			errno = 0;
			if (s[1] == 'x' || s[1] == 'X')
				cp = strtoul(s + 2, &endp, 16);
			else
				cp = strtoul(s + 1, &endp, 10);
			if (endp != semi || errno != 0 || cp == 0 ||
			    cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
				return -1;
			utf8_add(b, cp);
		} else
			return -1;
		s = semi + 1;
	}
	return 0;
}

/* S3's error answer: <Error><Code>..</Code><Message>..</Message></Error>. */
static void
s3_parse_error(struct s3req *r)
{
	struct mdx_buf t = MDX_BUF_INIT;
	const char *p, *end, *es, *ee, *cs, *ce;

	r->code[0] = r->msg[0] = '\0';
	p = r->body.data;
	end = p + r->body.len;
	if (r->body.len == 0 || !xml_elem(&p, end, "Error", &es, &ee))
		return;
	p = es;
	if (xml_elem(&p, ee, "Code", &cs, &ce) && xml_text(&t, cs, ce) == 0)
		snprintf(r->code, sizeof(r->code), "%s", t.data);
	p = es;
	if (xml_elem(&p, ee, "Message", &cs, &ce) && xml_text(&t, cs, ce) == 0)
		snprintf(r->msg, sizeof(r->msg), "%s", t.data);
	mdx_buf_free(&t);
}

static size_t
s3_write(char *p, size_t size, size_t n, void *data)
{
	struct s3req *r = data;
	long st = 0;

	n *= size;
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &st);
	if (st >= 200 && st < 300 && r->outfd != -1) {
		if (lake_write_all(r->outfd, p, n) == -1) {
			r->ioerr = errno;
			return 0;
		}
		return n;
	}
	/* An error's body is short; a listing's is kept whole. */
	if (st >= 200 && st < 300)
		mdx_buf_add(&r->body, p, n);
	else if (r->body.len < S3_ERRBODY_MAX)
		mdx_buf_add(&r->body, p, n < S3_ERRBODY_MAX ? n :
		    S3_ERRBODY_MAX);
	return n;
}

static size_t
s3_read(char *p, size_t size, size_t n, void *data)
{
	struct s3req *r = data;
	ssize_t k;

	do
		k = read(r->infd, p, size * n);
	while (k == -1 && errno == EINTR);
	if (k == -1) {
		r->ioerr = errno;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)k;
}

/* libcurl rewinds the body when it has to send it again. */
static int
s3_seek(void *data, curl_off_t off, int origin)
{
	struct s3req *r = data;

	return lseek(r->infd, (off_t)off, origin) == -1 ? CURL_SEEKFUNC_FAIL :
	    CURL_SEEKFUNC_OK;
}

/* Whether libcurl's error is a timeout or a connection lost in the middle
 * of a transfer. */
static int
s3_cut(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Whether a failed try may pass when tried again. */
static int
s3_retryable(const struct s3req *r)
{
	if (r->ioerr != 0)
		return 0;
	if (r->cc != CURLE_OK)
		return r->cc == CURLE_COULDNT_RESOLVE_HOST ||
		    r->cc == CURLE_COULDNT_CONNECT || s3_cut(r->cc);
	return r->status >= 500 || r->status == 408 || r->status == 429 ||
	    strcmp(r->code, "RequestTimeout") == 0 ||
	    strcmp(r->code, "SlowDown") == 0;
}

/* S3's error codes that say the configuration is wrong: the credentials,
 * the bucket, the region or endpoint, the clock. */
static int
s3_config_code(const char *code)
{
	static const char *const codes[] = {
		"AccessDenied", "AccountProblem", "AllAccessDisabled",
		"AuthorizationHeaderMalformed", "ExpiredToken",
		"InvalidAccessKeyId", "InvalidBucketName", "InvalidRequest",
		"InvalidToken", "NoSuchBucket", "PermanentRedirect",
		"RequestTimeTooSkewed", "SignatureDoesNotMatch",
		"TokenRefreshRequired"
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* What to do about an error S3 named, for the message. */
static const char *
s3_hint(struct mdx_lake *l, const char *code, long status)
{
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		return "; check the secret access key (AWS_SECRET_ACCESS_KEY "
		    "or the credentials file)";
	if (strcmp(code, "InvalidAccessKeyId") == 0)
		return "; check the access key id (AWS_ACCESS_KEY_ID or the "
		    "credentials file)";
	if (strcmp(code, "InvalidToken") == 0 ||
	    strcmp(code, "ExpiredToken") == 0)
		return "; check AWS_SESSION_TOKEN (or aws_session_token in "
		    "the credentials file)";
	if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
	    strcmp(code, "PermanentRedirect") == 0 ||
	    (code[0] == '\0' && status >= 300 && status < 400))
		return "; check MDX_S3_REGION and MDX_S3_ENDPOINT";
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return "; check this machine's clock";
	return "";
}

/* Turns a failed request into lake->err with the exit status it calls
 * for.  The message has the operation, the object, the endpoint and what
 * S3 or libcurl said; never a credential. */
static int
s3_error(struct mdx_lake *l, struct s3req *r, int tries)
{
	char after[32] = "";
	const char *why;
	int st;

	if (tries > 1)
		snprintf(after, sizeof(after), " (after %d tries)", tries);
	if (r->ioerr != 0)
		return lake_fail(l, MDX_EX_IOERR, "s3 %s \"s3://%s/%s%s\": %s",
		    r->op, l->bucket, l->kprefix, r->key, strerror(r->ioerr));
	if (r->cc != CURLE_OK) {
		/* Else no such host, nobody listening, TLS refused. */
		st = s3_cut(r->cc) ? MDX_EX_TEMPFAIL : MDX_EX_UNAVAILABLE;
		why = r->curlerr[0] != '\0' ? r->curlerr :
		    curl_easy_strerror(r->cc);
		return lake_fail(l, st, "s3 %s \"s3://%s/%s%s\" at %s: %s%s",
		    r->op, l->bucket, l->kprefix, r->key, l->host, why, after);
	}
	if (s3_config_code(r->code) || r->status == 401 ||
	    r->status == 403 || (r->status >= 300 && r->status < 400))
		st = MDX_EX_CONFIG;
	else if (strcmp(r->code, "NoSuchKey") == 0 ||
	    (r->status == 404 && r->code[0] == '\0'))
		st = MDX_EX_IOERR;
	else if (s3_retryable(r))
		st = MDX_EX_TEMPFAIL;
	else
		st = MDX_EX_UNAVAILABLE;
	return lake_fail(l, st, "s3 %s \"s3://%s/%s%s\" at %s: %s%s%s "
	    "(HTTP %ld)%s%s", r->op, l->bucket, l->kprefix, r->key, l->host,
	    r->code[0] != '\0' ? r->code : "error",
	    r->msg[0] != '\0' ? ": " : "", r->msg, r->status,
	    s3_hint(l, r->code, r->status), after);
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

/* One try of a request: method on url, with the body of r->infd (size
 * bytes, payload hash payhash) for a PUT.  The outcome is in r. */
static void
s3_try(struct mdx_lake *l, struct s3req *r, const char *method,
    const char *url, off_t size, const char *payhash)
{
	struct curl_slist *h = NULL, *nh;
	struct mdx_buf hb = MDX_BUF_INIT;
	CURL *c;

	r->cc = CURLE_OK;
	r->status = 0;
	r->curlerr[0] = r->code[0] = r->msg[0] = '\0';
	mdx_buf_reset(&r->body);
	if ((c = r->curl = s3_handle()) == NULL) {
		r->cc = CURLE_FAILED_INIT;
		return;
	}
	/* A reset handle keeps its connections. */
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mdx-lake");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curlerr);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A transfer that stalls for a minute has failed; a slow one has
	 * not. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, l->sigv4);
	curl_easy_setopt(c, CURLOPT_USERNAME, l->akid);
	curl_easy_setopt(c, CURLOPT_PASSWORD, l->secret);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s3_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	mdx_buf_printf(&hb, "x-amz-content-sha256: %s", payhash);
	h = curl_slist_append(h, hb.data);
	if (l->token != NULL) {
		mdx_buf_reset(&hb);
		mdx_buf_printf(&hb, "x-amz-security-token: %s", l->token);
		h = curl_slist_append(h, hb.data);
		memset(hb.data, 0, hb.len);
	}
	mdx_buf_free(&hb);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, s3_read);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, s3_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, r);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)size);
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (h == NULL)
		r->cc = CURLE_OUT_OF_MEMORY;
	else {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		r->cc = curl_easy_perform(c);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->cc == CURLE_OK && (r->status < 200 || r->status >= 300))
		s3_parse_error(r);
	/* The token is a credential too: wipe its copy before it goes. */
	for (nh = h; nh != NULL; nh = nh->next)
		memset(nh->data, 0, strlen(nh->data));
	curl_slist_free_all(h);
	/* The error buffer is the caller's stack; the handle must not keep
	 * it. */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
}

static int
s3_ok(const struct s3req *r)
{
	return r->ioerr == 0 && r->cc == CURLE_OK && r->status >= 200 &&
	    r->status < 300;
}

static void
s3req_init(struct s3req *r, const char *op, const char *key, int infd,
    int outfd)
{
	memset(r, 0, sizeof(*r));
	mdx_buf_init(&r->body);
	r->op = op;
	r->key = key;
	r->infd = infd;
	r->outfd = outfd;
}

/*
 * A request, tried again while it fails in a way a second try may mend,
 * S3_TRIES times at most; each try starts the body (r->infd) and the
 * destination (r->outfd) over.  The outcome is in r; returns the number
 * of tries, for the message.
 */
static int
s3_run(struct mdx_lake *l, struct s3req *r, const char *method,
    const char *url, off_t size, const char *payhash)
{
	int try;

	for (try = 1; try <= S3_TRIES; try++) {
		if (try > 1)
			s3_backoff(try - 2);
		if ((r->infd != -1 && lseek(r->infd, 0, SEEK_SET) == -1) ||
		    (r->outfd != -1 && (ftruncate(r->outfd, 0) == -1 ||
		    lseek(r->outfd, 0, SEEK_SET) == -1))) {
			r->ioerr = errno;
			break;
		}
		s3_try(l, r, method, url, size, payhash);
		if (s3_ok(r) || !s3_retryable(r))
			break;
	}
	return try <= S3_TRIES ? try : S3_TRIES;
}

/* Whether r failed because the key is not there. */
static int
s3_notfound(const struct s3req *r)
{
	return r->ioerr == 0 && r->cc == CURLE_OK &&
	    (strcmp(r->code, "NoSuchKey") == 0 ||
	    (r->status == 404 && r->code[0] == '\0'));
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

/* The SHA-256 of the whole of fd as hex, and its size; 0, or -1 with
 * errno. */
static int
fd_sha256(int fd, char hex[MDX_SHA256_HEXLEN + 1], off_t *size)
{
	struct mdx_sha256 s;
	char buf[65536];
	ssize_t k;

	*size = 0;
	if (lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	mdx_sha256_init(&s);
	for (;;) {
		k = read(fd, buf, sizeof(buf));
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			mdx_sha256_release(&s);
			return -1;
		}
		if (k == 0)
			break;
		mdx_sha256_update(&s, buf, k);
		*size += k;
	}
	mdx_sha256_hex(&s, hex);
	return 0;
}

static int
s3_commit(struct mdx_lake *l, struct lake_file *f)
{
	char hex[MDX_SHA256_HEXLEN + 1], *k, *url;
	struct s3req r;
	off_t size;
	int tries = 1, rc = 0;

	s3req_init(&r, "PUT", f->key, f->fd, -1);
	k = mdx_strfmt("%s%s", l->kprefix, f->key);
	url = s3_url(l, k, NULL);
	if (fd_sha256(f->fd, hex, &size) == -1)
		r.ioerr = errno;
	else
		tries = s3_run(l, &r, "PUT", url, size, hex);
	if (!s3_ok(&r))
		rc = s3_error(l, &r, tries);
	mdx_buf_free(&r.body);
	close(f->fd);
	f->fd = -1;
	free(url);
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

static int
s3_get(struct mdx_lake *l, const char *key)
{
	struct s3req r;
	char *k, *url;
	int fd, tries;

	l->notfound = 0;
	if ((fd = anon_tmp(l)) == -1)
		return -1;
	s3req_init(&r, "GET", key, -1, fd);
	k = mdx_strfmt("%s%s", l->kprefix, key);
	url = s3_url(l, k, NULL);
	tries = s3_run(l, &r, "GET", url, 0, s3_empty_sha256);
	free(url);
	free(k);
	if (!s3_ok(&r)) {
		l->notfound = s3_notfound(&r);
		s3_error(l, &r, tries);
		mdx_buf_free(&r.body);
		close(fd);
		return -1;
	}
	mdx_buf_free(&r.body);
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
	struct s3req r;
	char *k, *url;
	int tries, rc = 0;

	s3req_init(&r, "DELETE", key, -1, -1);
	k = mdx_strfmt("%s%s", l->kprefix, key);
	url = s3_url(l, k, NULL);
	tries = s3_run(l, &r, "DELETE", url, 0, s3_empty_sha256);
	/* S3 answers 204 for a key that is not there; others say 404. */
	if (!s3_ok(&r) && !s3_notfound(&r))
		rc = s3_error(l, &r, tries);
	mdx_buf_free(&r.body);
	free(url);
	free(k);
	return rc;
}

/*
 * Adds the objects of one ListObjectsV2 page to the list and sets *next
 * to its NextContinuationToken when it is truncated (NULL when it is the
 * last).  0 ok, -1 for an answer that is not a listing.
 */
static int
s3_list_page(struct mdx_lake *l, const struct mdx_buf *body,
    struct lake_ent **e, size_t *n, size_t *cap, char **next)
{
	struct mdx_buf t = MDX_BUF_INIT, key = MDX_BUF_INIT;
	const char *p, *end, *rs, *re, *cs, *ce, *vs, *ve, *q;
	size_t kplen = strlen(l->kprefix);
	uint64_t size;
	mdx_time mtime;
	char *endp;
	int rc = 0;

	*next = NULL;
	p = body->data;
	end = p + body->len;
	if (body->len == 0 || !xml_elem(&p, end, "ListBucketResult", &rs, &re))
		return -1;
	p = rs;
	while (rc == 0 && xml_elem(&p, re, "Contents", &cs, &ce)) {
		q = cs;
		if (!xml_elem(&q, ce, "Key", &vs, &ve) ||
		    xml_text(&key, vs, ve) == -1) {
			rc = -1;
			break;
		}
		q = cs;
		if (!xml_elem(&q, ce, "Size", &vs, &ve) ||
		    xml_text(&t, vs, ve) == -1 || t.len == 0 ||
		    t.data[0] < '0' || t.data[0] > '9') {
			rc = -1;
			break;
		}
		errno = 0;
		size = strtoull(t.data, &endp, 10);
		if (*endp != '\0' || errno != 0) {
			rc = -1;
			break;
		}
		q = cs;
		mtime = 0;
		if (xml_elem(&q, ce, "LastModified", &vs, &ve) &&
		    (xml_text(&t, vs, ve) == -1 ||
		    mdx_time_parse_rfc3339(t.data, t.len, &mtime) == -1)) {
			rc = -1;
			break;
		}
		if (key.len >= kplen && memcmp(key.data, l->kprefix, kplen) == 0)
			ents_add(e, n, cap, key.data + kplen, size, mtime);
	}
	p = rs;
	if (rc == 0 && xml_elem(&p, re, "IsTruncated", &vs, &ve) &&
	    (size_t)(ve - vs) == 4 && memcmp(vs, "true", 4) == 0) {
		p = rs;
		if (xml_elem(&p, re, "NextContinuationToken", &vs, &ve) &&
		    xml_text(&t, vs, ve) == 0 && t.len > 0)
			*next = mdx_strdup(t.data);
		else
			rc = -1;
	}
	mdx_buf_free(&t);
	mdx_buf_free(&key);
	return rc;
}

static int
s3_list(struct mdx_lake *l, const char *prefix, struct lake_ent **e,
    size_t *n)
{
	struct mdx_buf q = MDX_BUF_INIT;
	struct s3req r;
	char *k, *url, *token = NULL, *next;
	size_t cap = 0;
	int tries, rc = 0;

	*e = NULL;
	*n = 0;
	s3req_init(&r, "LIST", prefix, -1, -1);
	k = mdx_strfmt("%s%s", l->kprefix, prefix);
	for (;;) {
		/* The parameters sorted and encoded: canonical, as signed. */
		mdx_buf_reset(&q);
		if (token != NULL) {
			mdx_buf_addstr(&q, "continuation-token=");
			s3_encode(&q, token, 0);
			mdx_buf_addch(&q, '&');
		}
		mdx_buf_addstr(&q, "list-type=2&prefix=");
		s3_encode(&q, k, 0);
		url = s3_url(l, NULL, q.data);
		tries = s3_run(l, &r, "GET", url, 0, s3_empty_sha256);
		free(url);
		if (!s3_ok(&r)) {
			rc = s3_error(l, &r, tries);
			break;
		}
		if (s3_list_page(l, &r.body, e, n, &cap, &next) == -1) {
			rc = lake_fail(l, MDX_EX_UNAVAILABLE, "s3 LIST "
			    "\"s3://%s/%s%s\" at %s: the answer is not a "
			    "listing S3 would send", l->bucket, l->kprefix,
			    prefix, l->host);
			break;
		}
		free(token);
		token = next;
		if (token == NULL)
			break;
	}
	if (rc == -1) {
		lake_ents_free(*e, *n);
		*e = NULL;
		*n = 0;
	}
	free(token);
	free(k);
	mdx_buf_free(&q);
	mdx_buf_free(&r.body);
	return rc;
}

static void
wipe(char **s)
{
	if (*s != NULL) {
		memset(*s, 0, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static void
s3_close(struct mdx_lake *l)
{
	CURL *c;

	if (s3_key_ok && (c = pthread_getspecific(s3_handle_key)) != NULL) {
		curl_easy_cleanup(c);
		pthread_setspecific(s3_handle_key, NULL);
	}
	wipe(&l->secret);
	wipe(&l->token);
	free(l->region);
	free(l->sigv4);
	l->region = l->sigv4 = NULL;
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

/* Replaces *dst with a copy of v, wiping the secret it held. */
static void
cred_set(char **dst, const char *v)
{
	wipe(dst);
	*dst = mdx_strdup(v);
}

int
s3_cred_parse(FILE *fp, const char *path, const char *profile, char **akid,
    char **secret, char **token, char *why, size_t whysz)
{
	char *line = NULL, *p, *e, *k, *v;
	size_t cap = 0;
	unsigned long ln = 0;
	ssize_t n;
	int in = 0, rc = 0;

	while ((n = getline(&line, &cap, fp)) != -1) {
		ln++;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(why, whysz, "%s:%lu: a NUL byte", path, ln);
			rc = -1;
			break;
		}
		p = trim(line);
		if (*p == '#' || *p == ';' || *p == '\0')
			continue;
		if (*p == '[') {
			e = p + strlen(p) - 1;
			if (*e != ']') {
				snprintf(why, whysz, "%s:%lu: a section header "
				    "without its closing \"]\"", path, ln);
				rc = -1;
				break;
			}
			*e = '\0';
			in = strcmp(trim(p + 1), profile) == 0;
			continue;
		}
		if ((e = strchr(p, '=')) == NULL) {
			snprintf(why, whysz, "%s:%lu: not a section header "
			    "or KEY = VALUE", path, ln);
			rc = -1;
			break;
		}
		*e = '\0';
		k = trim(p);
		v = trim(e + 1);
		if (!in)
			continue;
		if (strcmp(k, "aws_access_key_id") == 0)
			cred_set(akid, v);
		else if (strcmp(k, "aws_secret_access_key") == 0)
			cred_set(secret, v);
		else if (strcmp(k, "aws_session_token") == 0)
			cred_set(token, v);
	}
	if (line != NULL) {
		memset(line, 0, cap);
		free(line);
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/*
 * Reads the key pair of a profile, and its session token if it has one,
 * from an AWS shared credentials file (s3_cred_parse()).  The file is
 * refused when its group or others have any access to it, as ssh refuses
 * a private key: a secret others can read is no longer a secret.
 * Returns 1 found, 0 no file, -1 refused or unreadable (lake->err set).
 */
static int
s3_credfile(struct mdx_lake *l)
{
	struct mdx_buf path = MDX_BUF_INIT;
	const char *f, *home, *profile;
	char why[1024];
	struct stat st;
	FILE *fp;
	int fd, rc = 0;

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
	if (s3_cred_parse(fp, path.data, profile, &l->akid, &l->secret,
	    &l->token, why, sizeof(why)) == -1)
		rc = lake_fail(l, MDX_EX_CONFIG, "bad credentials file: %s",
		    why);
	else if (l->akid == NULL || l->secret == NULL)
		rc = lake_fail(l, MDX_EX_CONFIG, "credentials file \"%s\" has "
		    "no aws_access_key_id and aws_secret_access_key in "
		    "profile \"%s\"", path.data, profile);
	else
		rc = 1;
	fclose(fp);
	mdx_buf_free(&path);
	return rc;
}

/*
 * A bucket name S3 takes: 3 to 63 lowercase letters, digits, dots and
 * hyphens, a letter or digit at each end.  Path-style addressing also takes
 * the names older buckets may have (up to 255 bytes, with capitals and
 * underscores); a virtual host needs a name that is a host name.
 */
static int
bucket_ok(const char *b, int vhost)
{
	size_t i, n = strlen(b);

	if (n < 3 || n > (vhost ? 63 : 255))
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') ||
		    (b[i] >= '0' && b[i] <= '9') || b[i] == '.' ||
		    b[i] == '-' || (!vhost && ((b[i] >= 'A' && b[i] <= 'Z') ||
		    b[i] == '_'))))
			return 0;
	return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' &&
	    b[n - 1] != '-';
}

/* Whether s is made of the bytes of set and alphanumerics only, and not
 * empty. */
static int
only(const char *s, const char *set)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(set, *s) != NULL))
			return 0;
	return 1;
}

int
lake_open_s3(struct mdx_lake *l, const char *uri)
{
	const char *b = uri + 5, *slash, *ak, *sk, *tok, *ep, *proto, *style,
	    *region;
	struct mdx_buf kp = MDX_BUF_INIT;
	const curl_version_info_data *cv;
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

	region = getenv("MDX_S3_REGION");
	if (region == NULL || *region == '\0')
		region = "us-east-1";
	if (!only(region, "-"))
		return lake_fail(l, MDX_EX_CONFIG, "bad MDX_S3_REGION \"%s\": "
		    "a region is letters, digits and hyphens "
		    "(us-east-1)", region);
	l->region = mdx_strdup(region);
	l->sigv4 = mdx_strfmt("aws:amz:%s:s3", region);
	ep = getenv("MDX_S3_ENDPOINT");
	if (ep != NULL && *ep != '\0') {
		/* A host and a port, nothing that would change the URL. */
		if (!only(ep, ".-:[]"))
			return lake_fail(l, MDX_EX_CONFIG, "bad MDX_S3_ENDPOINT "
			    "\"%s\": use host or host:port", ep);
		l->host = mdx_strdup(ep);
	} else
		l->host = mdx_strfmt("s3.%s.amazonaws.com", region);
	style = getenv("MDX_S3_STYLE");
	if (style == NULL || *style == '\0')
		l->vhost = ep == NULL || *ep == '\0';
	else if (strcmp(style, "virtual") == 0)
		l->vhost = 1;
	else if (strcmp(style, "path") == 0)
		l->vhost = 0;
	else
		return lake_fail(l, MDX_EX_CONFIG, "bad MDX_S3_STYLE \"%s\": "
		    "use path or virtual", style);
	if (!bucket_ok(l->bucket, l->vhost))
		return lake_fail(l, MDX_EX_CONFIG, "bad bucket name in lake "
		    "\"%s\"%s", uri, l->vhost ? " (virtual-hosted style "
		    "needs 3 to 63 lowercase letters, digits, dots and "
		    "hyphens)" : "");
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
	tok = getenv("AWS_SESSION_TOKEN");
	if (ak != NULL && *ak != '\0' && sk != NULL && *sk != '\0') {
		l->akid = mdx_strdup(ak);
		l->secret = mdx_strdup(sk);
		if (tok != NULL && *tok != '\0')
			l->token = mdx_strdup(tok);
	} else if ((rc = s3_credfile(l)) <= 0) {
		if (rc == 0)
			return lake_fail(l, MDX_EX_CONFIG, "no S3 credentials: "
			    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
			    "or write them to ~/.aws/credentials "
			    "(AWS_SHARED_CREDENTIALS_FILE)");
		return -1;
	}
	if (strpbrk(l->akid, "\r\n") != NULL ||
	    (l->token != NULL && strpbrk(l->token, "\r\n") != NULL))
		return lake_fail(l, MDX_EX_CONFIG, "the S3 access key id or "
		    "session token has a line break");

	if (!s3_curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return lake_fail(l, MDX_EX_FAIL, "cannot initialise "
			    "libcurl");
		s3_curl_inited = 1;
	}
	cv = curl_version_info(CURLVERSION_NOW);
	if (cv->version_num < S3_CURL_SIGV4)
		return lake_fail(l, MDX_EX_CONFIG, "libcurl %s cannot sign "
		    "for S3 (AWS Signature Version 4 needs 7.75 or later)",
		    cv->version);
	if (s3_handle() == NULL)
		return lake_fail(l, MDX_EX_FAIL, "cannot initialise libcurl");
	return 0;
}
