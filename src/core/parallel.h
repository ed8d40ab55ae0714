/*
 * parallel.h - a batch of independent tasks shared out among a few threads: each thread
 * takes the next task not yet taken until none is left. The first task to fail stops the
 * others taking more; its error (code and message) is the batch's, in the caller's thread.
 */
#ifndef PP_PARALLEL_H
#define PP_PARALLEL_H

#include "core/common.h"

/* Task `task` of the batch, run by worker `worker` (0 .. threads-1, one task at a time). */
typedef int (*parallel_fn)(void *ctx, size_t task, unsigned worker);

/* How many threads a batch uses by default: the CPUs online (at least 1, at most 64). */
unsigned parallel_threads(void);

/* Runs tasks 0..n-1 on up to `threads` threads (the caller's among them); 0 when all
 * succeeded, else the first failure's code with its message set. */
int parallel_run(size_t n, unsigned threads, parallel_fn fn, void *ctx);

#endif
