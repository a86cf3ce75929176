/*
 * mdx-lake - the data lake: put (tee a stream into partitioned objects),
 * cat, commit, ls, archive, prune, stats, verify.  See mdx-lake(1); the
 * work is done in lake.c and lakestore.c.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "utc.h"

#include "lake.h"

static const char usage_text[] =
"usage: mdx-lake [-v] [-L lake] put [-l level] [-s size] [-o max-open]\n"
"                prefix\n"
"       mdx-lake [-v] [-L lake] cat [--since time] [--until time]\n"
"                [--new name] [prefix] [field=value[,value...] ...]\n"
"       mdx-lake [-v] [-L lake] commit name\n"
"       mdx-lake [-v] [-L lake] ls [--json] [prefix] [field=value ...]\n"
"       mdx-lake [-v] [-L lake] archive --older-than age [-n] [prefix]\n"
"                [field=value ...]\n"
"       mdx-lake [-v] [-L lake] prune --older-than age [-n] [prefix]\n"
"                [field=value ...]\n"
"       mdx-lake [-v] [-L lake] stats [--json] [prefix] [field=value ...]\n"
"       mdx-lake [-v] [-L lake] verify [prefix] [field=value ...]\n"
"       mdx-lake -h | --help | -V | --version\n"
"options: -L, --lake root   lake directory or s3://bucket/prefix\n"
"                           (MDX_LAKE; default ./var/lake)\n"
"         -l, --level n     gzip level of put, 1-9 (default 3)\n"
"         -s, --object-size size  start a new object after size\n"
"                           compressed bytes (k, M, G; default 64M)\n"
"         -o, --max-open n  partitions put writes at once (default 32)\n"
"         --since time, --until time  cat records in [since, until)\n"
"         --new name        cat what consumer name has not committed\n"
"         --json            ls, stats: JSON lines instead of a table\n"
"         --older-than age  archive, prune: days that ended before\n"
"                           now - age (7d, 12h, 2w) or before a date\n"
"         -n, --dry-run     archive, prune: only say what would be done\n"
"         -v, --verbose     more messages (twice: debug)\n";

static void
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

/* An age ("7d", "12h") or a time: the cutoff it means. */
static int
parse_age(const char *s, mdx_time *t)
{
	char buf[64];
	size_t n = strlen(s), i;

	for (i = 0; i < n && isdigit((unsigned char)s[i]); i++)
		;
	if (i > 0 && i == n - 1 && n < sizeof(buf) - 1 &&
	    strchr("smhdw", s[n - 1]) != NULL) {
		snprintf(buf, sizeof(buf), "-%s", s);
		return mdx_time_parse(buf, t);
	}
	return mdx_time_parse(s, t);
}

static uint64_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	v = strtoull(s, &end, 10);
	if (end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	return *end == '\0' ? v : 0;
}

enum { O_SINCE = 256, O_UNTIL, O_NEW, O_JSON, O_OLDER };

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lake", required_argument, NULL, 'L' },
		{ "level", required_argument, NULL, 'l' },
		{ "object-size", required_argument, NULL, 's' },
		{ "max-open", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "new", required_argument, NULL, O_NEW },
		{ "json", no_argument, NULL, O_JSON },
		{ "older-than", required_argument, NULL, O_OLDER },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct mdx_lake_put po = { NULL, 3, 64 << 20, 32 };
	struct mdx_lake_sel sel;
	struct mdx_lake *l;
	const char *root = NULL, *cmd, *why;
	mdx_time cutoff = 0;
	int c, i, json = 0, dry = 0, older = 0, st;

	mdx_init(argv[0]);
	mdx_lake_sel_init(&sel);
	while ((c = getopt_long(argc, argv, "L:l:s:o:nvhV", lopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'L':
			root = optarg;
			break;
		case 'l':
			po.level = atoi(optarg);
			if (po.level < 1 || po.level > 9)
				mdx_die(MDX_EX_USAGE, "bad level \"%s\": use "
				    "1 to 9", optarg);
			break;
		case 's':
			if ((po.object_size = parse_size(optarg)) == 0)
				mdx_die(MDX_EX_USAGE, "bad size \"%s\"",
				    optarg);
			break;
		case 'o':
			po.max_open = atoi(optarg);
			if (po.max_open < 1 || po.max_open > 4096)
				mdx_die(MDX_EX_USAGE, "bad max-open \"%s\": "
				    "use 1 to 4096", optarg);
			break;
		case O_SINCE:
		case O_UNTIL:
			if (mdx_time_parse(optarg, c == O_SINCE ? &sel.since :
			    &sel.until) == -1)
				mdx_die(MDX_EX_USAGE, "bad time \"%s\"", optarg);
			*(c == O_SINCE ? &sel.has_since : &sel.has_until) = 1;
			break;
		case O_NEW:
			if ((why = mdx_lake_check_value(optarg,
			    strlen(optarg))) != NULL)
				mdx_die(MDX_EX_USAGE, "bad consumer name "
				    "\"%s\": %s", optarg, why);
			sel.consumer = optarg;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_OLDER:
			if (parse_age(optarg, &cutoff) == -1)
				mdx_die(MDX_EX_USAGE, "bad age \"%s\"", optarg);
			older = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'v':
			mdx_verbose++;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("mdx-lake %s\n", MDX_VERSION);
			return 0;
		default:
			usage(MDX_EX_USAGE);
		}
	}
	if (optind >= argc)
		usage(MDX_EX_USAGE);
	cmd = argv[optind++];
	if (strcmp(cmd, "put") == 0 || strcmp(cmd, "commit") == 0) {
		if (optind != argc - 1)
			usage(MDX_EX_USAGE);
		if ((why = mdx_lake_check_value(argv[optind],
		    strlen(argv[optind]))) != NULL || argv[optind][0] == '_')
			mdx_die(MDX_EX_USAGE, "bad %s \"%s\": %s",
			    cmd[0] == 'p' ? "prefix" : "consumer name",
			    argv[optind], why ? why : "starts with '_'");
	} else {
		for (i = optind; i < argc; i++) {
			if (strchr(argv[i], '=') == NULL && i == optind) {
				if (mdx_lake_check_value(argv[i],
				    strlen(argv[i])) != NULL || argv[i][0] == '_')
					mdx_die(MDX_EX_USAGE, "bad prefix "
					    "\"%s\"", argv[i]);
				sel.prefix = argv[i];
			} else if (mdx_lake_sel_add(&sel, argv[i], &why) == -1)
				mdx_die(MDX_EX_USAGE, "bad selector \"%s\": %s",
				    argv[i], why);
		}
	}
	if ((strcmp(cmd, "archive") == 0 || strcmp(cmd, "prune") == 0) &&
	    !older)
		mdx_die(MDX_EX_USAGE, "%s needs --older-than", cmd);
	l = mdx_lake_open(root);
	if (strcmp(cmd, "put") == 0) {
		po.prefix = argv[optind];
		st = mdx_lake_put(l, &po, 0, mdx_stdout());
	} else if (strcmp(cmd, "cat") == 0)
		st = mdx_lake_cat(l, &sel, mdx_stdout());
	else if (strcmp(cmd, "commit") == 0)
		st = mdx_lake_commit(l, argv[optind]);
	else if (strcmp(cmd, "ls") == 0)
		st = mdx_lake_ls(l, &sel, json, mdx_stdout());
	else if (strcmp(cmd, "archive") == 0)
		st = mdx_lake_archive(l, &sel, cutoff, dry, mdx_stdout());
	else if (strcmp(cmd, "prune") == 0)
		st = mdx_lake_prune(l, &sel, cutoff, dry, mdx_stdout());
	else if (strcmp(cmd, "stats") == 0)
		st = mdx_lake_stats(l, &sel, json, mdx_stdout());
	else if (strcmp(cmd, "verify") == 0)
		st = mdx_lake_verify(l, &sel, mdx_stdout());
	else {
		mdx_warn("unknown command \"%s\"", cmd);
		usage(MDX_EX_USAGE);
	}
	mdx_writer_close(mdx_stdout());
	mdx_lake_close(l);
	return st;
}
