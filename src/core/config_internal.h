/*
 * config_internal.h - the option table shared by config.c (values), config_yaml.c (the
 * file) and config_write.c (the commented example and the dump). Not for other modules.
 */
#ifndef PP_CONFIG_INTERNAL_H
#define PP_CONFIG_INTERNAL_H

#include "core/config.h"

enum cfg_type { CFG_STRING, CFG_PATH, CFG_INT, CFG_BOOL, CFG_DURATION, CFG_SIZE, CFG_ENUM,
		CFG_TIME, CFG_KEYS,
		CFG_URL,  /* a string starting with one of `choices` ("a://|b:") */
		CFG_ADDR, /* host:port or [v6]:port */
};

struct cfg_option {
	const char *key;
	enum cfg_type type;
	const char *def;
	size_t offset;
	int64_t min, max;
	const char *choices; /* CFG_ENUM: "a|b|c" */
	const char *help;
};

extern const struct cfg_option config_options[];
extern const size_t config_noptions;

const struct cfg_option *config_find_option(const char *key);

/* "unknown key 'x' (did you mean 'y'?)" as a PP_ECONFIG error. */
int config_unknown_key(const char *origin, const char *key);

/* Sets key from text; paths resolve against c->base_dir. */
int config_set_key(struct config *c, const char *key, const char *value, const char *origin);

void config_free_keys(struct config *c);

#endif
