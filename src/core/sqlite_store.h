/*
 * sqlite_store.h - the one way ppredict opens a small SQLite store that several processes
 * share (the model registry, the pipeline's history): created as needed, serialized
 * connections, WAL, a 10 s busy timeout, and its schema (CREATE ... IF NOT EXISTS) applied.
 * Errors name the store ("model registry") and the file.
 */
#ifndef PP_SQLITE_STORE_H
#define PP_SQLITE_STORE_H

#include <sqlite3.h>

/* *db is set (and the caller closes it) even when this fails after opening. */
int sqlite_store_open(sqlite3 **db, const char *path, const char *schema, const char *what);

#endif
