#!/bin/sh
# embed-web.sh OUT FILE...: the dashboard's files as C arrays in OUT (web_assets.c), each
# under its base name with its content type (src/serve/web.h). The build runs it.
set -eu
out=$1
shift
mkdir -p "$(dirname "$out")"
tmp="$out.tmp"
{
	echo "/* Generated from web/ by scripts/embed-web.sh at build time: not to be edited. */"
	echo '#include "serve/web.h"'
	i=0
	for f in "$@"; do
		echo "static const unsigned char a$i[] = {"
		od -An -v -tx1 "$f" | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
		echo "};"
		i=$((i + 1))
	done
	echo "const struct web_asset web_assets[] = {"
	i=0
	for f in "$@"; do
		name=$(basename "$f")
		case "$name" in
		*.html) type="text/html; charset=utf-8" ;;
		*.css) type="text/css; charset=utf-8" ;;
		*.js) type="application/javascript; charset=utf-8" ;;
		*.svg) type="image/svg+xml" ;;
		*) type="application/octet-stream" ;;
		esac
		echo "	{ \"$name\", \"$type\", a$i, sizeof(a$i) },"
		i=$((i + 1))
	done
	echo "};"
	echo "const size_t web_nassets = $i;"
} > "$tmp"
mv "$tmp" "$out"
