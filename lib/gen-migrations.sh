#!/bin/sh
# gen-migrations.sh FILE... - write C source holding the SQL migrations, so
# that each program carries the schema it was built for.  File names are
# NNN_name.sql; NNN is the schema version the file brings the warehouse to.
set -eu
printf '/* Generated from sql/ by lib/gen-migrations.sh; do not edit. */\n'
printf '#include "mdx.h"\n\n'
printf 'const struct mdx_migration mdx_migrations[] = {\n'
n=0
for f in "$@"; do
	base=${f##*/}
	ver=${base%%_*}
	name=${base%.sql}
	printf '\t{ %d, "%s",\n' "$(expr "$ver" + 0)" "$name"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
	n=$((n + 1))
done
printf '\t{ 0, NULL, NULL }\n};\n'
printf 'const int mdx_nmigrations = %d;\n' "$n"
