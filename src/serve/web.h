/*
 * web.h - the dashboard (web/: HTML, CSS, JS and the chart library from npm), compiled into
 * the binary at build (scripts/embed-web.sh makes web_assets.c): GET / is index.html, GET
 * /assets/NAME the others. No file is read at run time.
 */
#ifndef PP_WEB_H
#define PP_WEB_H

#include <stddef.h>

struct web_asset {
	const char *name, *content_type;
	const unsigned char *data;
	size_t len;
};

extern const struct web_asset web_assets[];
extern const size_t web_nassets;

#endif
