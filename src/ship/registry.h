/*
 * registry.h - where the shipper is in each file: one line per file,
 * "<dev> <ino> <generation> <offset> <line> <path>", rewritten atomically (and fsynced)
 * after every acknowledged batch. Files are known by device and inode, so a rename
 * (rotation) keeps its place and a new file under the old name starts afresh; the
 * generation counts truncations (copytruncate) so event_ids never repeat.
 */
#ifndef PP_SHIP_REGISTRY_H
#define PP_SHIP_REGISTRY_H

#include "core/common.h"

struct ship_entry {
	uint64_t dev, ino;
	uint64_t generation;
	uint64_t offset; /* bytes acknowledged */
	uint64_t line;   /* lines acknowledged */
	char *path;
};

struct ship_registry {
	struct ship_entry *e;
	size_t n, cap;
};

int ship_registry_load(struct ship_registry *r, const char *path);
/* Parses registry text; `name` appears in error messages. */
int ship_registry_parse(struct ship_registry *r, const char *text, size_t len, const char *name);
int ship_registry_save(const struct ship_registry *r, const char *path);
struct ship_entry *ship_registry_find(struct ship_registry *r, uint64_t dev, uint64_t ino);
struct ship_entry *ship_registry_add(struct ship_registry *r, uint64_t dev, uint64_t ino,
				     const char *path);
void ship_registry_release(struct ship_registry *r);

#endif
