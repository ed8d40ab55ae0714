/*
 * run_lock.h - one run of a DAG at a time, across processes and machines' crashes: an
 * advisory lock (flock) on a file under the lake's _meta, which the kernel lets go when its
 * holder dies however it dies (kill -9 included), so a stale lock is simply taken over; a
 * live holder is respected and named (its pid, host and start, written in the file).
 */
#ifndef PP_RUN_LOCK_H
#define PP_RUN_LOCK_H

#include "core/common.h"

struct run_lock {
	int fd;
	char path[512];
};

/* Takes the lock at path (created as needed); PP_ECONFLICT with the holder named when a
 * live process has it. */
int run_lock_take(struct run_lock *l, const char *path);
void run_lock_release(struct run_lock *l);

/* Who holds the lock at path ("pid N on HOST since T"), "" when nobody does (a line left
 * by a holder that died on this host is not a holder). Reads only: never in a taker's way. */
void run_lock_holder(const char *path, char *out, size_t n);

#endif
