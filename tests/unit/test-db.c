/*
 * test-db.c - mdx_db_statement_len(), which cuts a migration into the
 * statements it runs one at a time: semicolons inside strings, quoted
 * identifiers, dollar-quoted bodies and comments do not end a statement.
 */
#include <stdio.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

/* The statements of sql, one per line of want, as the cutting gives them. */
static void
cuts(const char *sql, const char *const *want, const char *name)
{
	char got[256];
	const char *p = sql;
	size_t n;
	int i;

	for (i = 0; want[i] != NULL; i++, p += n) {
		n = mdx_db_statement_len(p);
		snprintf(got, sizeof(got), "%.*s", (int)n, p);
		if (strcmp(got, want[i]) != 0) {
			is_str(got, want[i], name);
			return;
		}
	}
	ok(*p == '\0', name);
}

int
main(void)
{
	static const char *const plain[] = { "SELECT 1;", " SELECT 2;",
	    "\n", NULL };
	static const char *const quoted[] = {
	    "SELECT 'a;b', 'it''s;', \"x;y\";", " SELECT \"a\"\"b;\";",
	    NULL };
	static const char *const estr[] = {
	    "SELECT E'a\\';b', e'\\\\';", " SELECT 'c\\';", "d';", NULL };
	static const char *const dollar[] = {
	    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;",
	    " DO $body$ BEGIN PERFORM 1; END $body$;",
	    " SELECT $1, a$b$c;", NULL };
	static const char *const nested[] = {
	    "DO $o$ SELECT $$;$$; $i$;$i$ $o$;", " SELECT 3;", NULL };
	static const char *const comments[] = {
	    "-- a; b\nSELECT 1;", " /* x; /* y; */ z; */ SELECT 2;",
	    " SELECT 3 -- c;\n;", NULL };
	static const char *const unended[] = { "SELECT 1;",
	    " SELECT 'open;", NULL };
	static const char *const tail[] = { "SELECT 1;", " -- only a comment",
	    NULL };

	cuts("SELECT 1; SELECT 2;\n", plain, "plain statements");
	cuts("SELECT 'a;b', 'it''s;', \"x;y\"; SELECT \"a\"\"b;\";", quoted,
	    "single and double quotes, doubled inside");
	cuts("SELECT E'a\\';b', e'\\\\'; SELECT 'c\\';d';", estr,
	    "E'' strings take backslash escapes, others do not");
	cuts("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;"
	    " DO $body$ BEGIN PERFORM 1; END $body$; SELECT $1, a$b$c;",
	    dollar, "dollar quotes, tagged, and $1 and a$b$c, which are not");
	cuts("DO $o$ SELECT $$;$$; $i$;$i$ $o$; SELECT 3;", nested,
	    "other dollar quotes inside a tagged one");
	cuts("-- a; b\nSELECT 1; /* x; /* y; */ z; */ SELECT 2; SELECT 3 "
	    "-- c;\n;", comments, "line and nested block comments");
	cuts("SELECT 1; SELECT 'open;", unended,
	    "an unended string runs to the end");
	cuts("SELECT 1; -- only a comment", tail,
	    "a comment after the last statement");
	ok(mdx_db_statement_len("") == 0, "empty text: length 0");
	return done_testing();
}
