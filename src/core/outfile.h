/*
 * outfile.h - a file a command writes for the user, that appears whole or not at all.
 *
 * out_file_open writes to a hidden temporary name beside the target (creating the
 * directory as needed); out_file_close(commit) fsyncs and renames it into place, or
 * removes it. "-" is stdout, and an existing device or pipe (/dev/null, a fifo) is
 * written in place: renaming over it would replace it. Writes are buffered by stdio.
 */
#ifndef PP_OUTFILE_H
#define PP_OUTFILE_H

#include "core/common.h"

struct out_file {
	FILE *f;
	char *path; /* as given, for messages */
	char *tmp;  /* NULL when written in place */
};

/* True for an existing file that is not a regular one (device, fifo, socket). */
bool out_file_is_special(const char *path);

int out_file_open(struct out_file *o, const char *path);
int out_file_write(struct out_file *o, const void *p, size_t n);
/* commit: make it visible under its name; otherwise discard it. Safe on a closed one. */
int out_file_close(struct out_file *o, bool commit);

#endif
