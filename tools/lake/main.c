/*
 * mdx-lake - the data lake: put (tee a stream into partitioned objects),
 * cat, commit, ls, archive, migrate, prune, stats, verify.  See mdx-lake(1); the
 * work is done in lake.c and lakestore.c.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "opt.h"
#include "ndjson.h"
#include "utc.h"

#include "lake.h"

static const char usage_text[] =
"usage: mdx-lake [-qv] [-L lake] put [-l level] [-s size] [-o max-open]\n"
"                [-k file] prefix\n"
"       mdx-lake [-qv] [-L lake] cat [--since time] [--until time]\n"
"                [--new name] [prefix] [field=value[,value...] ...]\n"
"       mdx-lake [-qv] [-L lake] commit name\n"
"       mdx-lake [-qv] [-L lake] ls [--json] [prefix] [field=value ...]\n"
"       mdx-lake [-qv] [-L lake] archive --older-than age [-n] [prefix]\n"
"                [field=value ...]\n"
"       mdx-lake [-qv] [-L lake] prune --older-than age [-n] [prefix]\n"
"                [field=value ...]\n"
"       mdx-lake [-qv] [-L lake] migrate [-n] [prefix] [field=value ...]\n"
"       mdx-lake [-qv] [-L lake] stats [--json] [prefix] [field=value ...]\n"
"       mdx-lake [-qv] [-L lake] verify [prefix] [field=value ...]\n"
"       mdx-lake -h | -V\n"
"  -L, --lake root     lake directory or s3://bucket/prefix\n"
"                      (MDX_LAKE; default ./var/lake)\n"
"  -l, --level n       gzip level of put, 1-9 (default 3)\n"
"  -s, --object-size size\n"
"                      start a new object after size compressed bytes\n"
"                      (k, M, G; default 64M)\n"
"  -o, --max-open n    partitions put writes at once (default 32)\n"
"  -k, --keys file     put: write the keys of the objects stored to file\n"
"      --since time, --until time\n"
"                      cat records in [since, until)\n"
"      --new name      cat what consumer name has not committed\n"
"      --json          ls, stats: JSON lines instead of a table\n"
"      --older-than age\n"
"                      archive, prune: days that ended before now - age\n"
"                      (7d, 12h, 2w) or before a date\n"
"  -n, --dry-run       archive, prune, migrate: only say what would be\n"
"                      done\n"
"  field=value[,value...]\n"
"                      partitions whose field (exchange, market, kind,\n"
"                      symbol, interval, date) has one of the values;\n"
"                      field!=value[,value...]: none of them\n"
MDX_OPT_HELP;

enum { O_SINCE = 256, O_UNTIL, O_NEW, O_JSON, O_OLDER };

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lake", required_argument, NULL, 'L' },
		{ "level", required_argument, NULL, 'l' },
		{ "object-size", required_argument, NULL, 's' },
		{ "max-open", required_argument, NULL, 'o' },
		{ "keys", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "new", required_argument, NULL, O_NEW },
		{ "json", no_argument, NULL, O_JSON },
		{ "older-than", required_argument, NULL, O_OLDER },
		{ "dry-run", no_argument, NULL, 'n' },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct mdx_lake_put po = { NULL, 3, 64 << 20, 32, NULL };
	struct mdx_lake_sel sel;
	struct mdx_lake *l;
	const char *root = NULL, *cmd, *why;
	mdx_time cutoff = 0;
	int c, i, json = 0, dry = 0, older = 0, st;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	mdx_lake_sel_init(&sel);
	while ((c = getopt_long(argc, argv, "L:l:s:o:k:n" MDX_OPT_SHORT, lopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'L':
			root = optarg;
			break;
		case 'l':
			po.level = mdx_opt_num("--level", optarg, 1, 9);
			break;
		case 's':
			po.object_size = mdx_opt_size("--object-size", optarg,
			    1, UINT64_C(1) << 40);
			break;
		case 'k':
			po.keys = optarg;
			break;
		case 'o':
			po.max_open = mdx_opt_num("--max-open", optarg, 1,
			    4096);
			break;
		case O_SINCE:
		case O_UNTIL:
			*(c == O_SINCE ? &sel.since : &sel.until) =
			    mdx_opt_time(c == O_SINCE ? "--since" : "--until",
			    optarg);
			*(c == O_SINCE ? &sel.has_since : &sel.has_until) = 1;
			break;
		case O_NEW:
			if ((why = mdx_lake_check_value(optarg,
			    strlen(optarg))) != NULL)
				mdx_usage("bad consumer name "
				    "\"%s\": %s", optarg, why);
			sel.consumer = optarg;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_OLDER:
			cutoff = mdx_opt_age("--older-than", optarg);
			older = 1;
			break;
		case 'n':
			dry = 1;
			break;
		default:
			mdx_opt_common(c);
		}
	}
	if (optind >= argc)
		mdx_usage(NULL);
	cmd = argv[optind++];
	if (strcmp(cmd, "put") == 0 || strcmp(cmd, "commit") == 0) {
		if (optind != argc - 1)
			mdx_usage(NULL);
		if ((why = mdx_lake_check_value(argv[optind],
		    strlen(argv[optind]))) != NULL || argv[optind][0] == '_')
			mdx_usage("bad %s \"%s\": %s",
			    cmd[0] == 'p' ? "prefix" : "consumer name",
			    argv[optind], why ? why : "starts with '_'");
	} else {
		for (i = optind; i < argc; i++) {
			if (strchr(argv[i], '=') == NULL && i == optind) {
				if (mdx_lake_check_value(argv[i],
				    strlen(argv[i])) != NULL || argv[i][0] == '_')
					mdx_usage("bad prefix "
					    "\"%s\"", argv[i]);
				sel.prefix = argv[i];
			} else if (mdx_lake_sel_add(&sel, argv[i], &why) == -1)
				mdx_usage("bad selector \"%s\": %s",
				    argv[i], why);
		}
	}
	if ((strcmp(cmd, "archive") == 0 || strcmp(cmd, "prune") == 0) &&
	    !older)
		mdx_usage("%s needs --older-than", cmd);
	l = mdx_lake_open(root, strcmp(cmd, "put") != 0);
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
	else if (strcmp(cmd, "migrate") == 0)
		st = mdx_lake_migrate(l, &sel, dry, mdx_stdout());
	else if (strcmp(cmd, "prune") == 0)
		st = mdx_lake_prune(l, &sel, cutoff, dry, mdx_stdout());
	else if (strcmp(cmd, "stats") == 0)
		st = mdx_lake_stats(l, &sel, json, mdx_stdout());
	else if (strcmp(cmd, "verify") == 0)
		st = mdx_lake_verify(l, &sel, mdx_stdout());
	else {
		mdx_usage("unknown command \"%s\"", cmd);
	}
	mdx_writer_close(mdx_stdout());
	mdx_lake_close(l);
	return st;
}
