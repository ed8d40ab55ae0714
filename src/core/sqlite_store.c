/* Opening a shared SQLite store (sqlite_store.h). */
#include "core/sqlite_store.h"
#include "core/err.h"

int sqlite_store_open(sqlite3 **db, const char *path, const char *schema, const char *what)
{
	char *err = NULL;
	int rc;

	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK)
		return pp_error(PP_EIO, "%s %s: opening: %s", what, path, *db ? sqlite3_errmsg(*db) : "out of memory");
	sqlite3_busy_timeout(*db, 10000);
	if (sqlite3_exec(*db, "PRAGMA journal_mode = WAL;", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(*db, schema, NULL, NULL, &err) != SQLITE_OK) {
		rc = pp_error(PP_EIO, "%s %s: %s", what, path, err ? err : "?");
		sqlite3_free(err);
		return rc;
	}
	return 0;
}
