/*
 * config_yaml.c - ppredict.yaml read with libyaml's event parser: sections of keys,
 * plus the server.keys list. Every error names file, line and key.
 */
#include "core/config_internal.h"
#include "core/err.h"
#include "core/mem.h"

#include <yaml.h>

struct yaml_walk {
	yaml_parser_t parser;
	struct config *c;
	const char *name;
	char origin[512];
};

static const char *origin_at(struct yaml_walk *w, const yaml_event_t *ev)
{
	snprintf(w->origin, sizeof(w->origin), "%s:%zu", w->name, ev->start_mark.line + 1);
	return w->origin;
}

static int next_event(struct yaml_walk *w, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&w->parser, ev))
		return pp_error(PP_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s", w->name,
				w->parser.problem_mark.line + 1, w->parser.problem_mark.column + 1,
				w->parser.problem ? w->parser.problem : "unknown");
	return 0;
}

static int hex_to_bytes(const char *hex, uint8_t out[32])
{
	size_t i;

	if (strlen(hex) != 64)
		return PP_EINVAL;
	for (i = 0; i < 64; i++) {
		char ch = hex[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (v < 0)
			return PP_EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static int scope_of(const char *s, unsigned *bits)
{
	if (!strcmp(s, "ingest"))
		*bits |= SCOPE_INGEST;
	else if (!strcmp(s, "predict"))
		*bits |= SCOPE_PREDICT;
	else if (!strcmp(s, "admin"))
		*bits |= SCOPE_ADMIN;
	else
		return PP_EINVAL;
	return 0;
}

/* One `- name: ... sha256: ... scopes: [...]` entry; the MAPPING_START is consumed. */
static int walk_key_entry(struct yaml_walk *w, struct api_key *k, size_t idx)
{
	bool have_hash = false;
	yaml_event_t ev, val;
	int rc = 0;

	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu]: expected name, sha256, scopes",
				      origin_at(w, &ev), idx);
			yaml_event_delete(&ev);
			return rc;
		}
		char field[32];
		snprintf(field, sizeof(field), "%s", (const char *)ev.data.scalar.value);
		origin_at(w, &ev);
		yaml_event_delete(&ev);
		if ((rc = next_event(w, &val)))
			return rc;
		if (!strcmp(field, "scopes") && val.type == YAML_SEQUENCE_START_EVENT) {
			yaml_event_delete(&val);
			for (;;) {
				if ((rc = next_event(w, &val)))
					return rc;
				if (val.type == YAML_SEQUENCE_END_EVENT) {
					yaml_event_delete(&val);
					break;
				}
				if (val.type != YAML_SCALAR_EVENT ||
				    scope_of((const char *)val.data.scalar.value, &k->scopes)) {
					rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].scopes: expected "
						      "ingest, predict or admin", origin_at(w, &val), idx);
					yaml_event_delete(&val);
					return rc;
				}
				yaml_event_delete(&val);
			}
			continue;
		}
		if (val.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].%s: expected a value",
				      w->origin, idx, field);
			yaml_event_delete(&val);
			return rc;
		}
		const char *v = (const char *)val.data.scalar.value;
		if (!strcmp(field, "name")) {
			pp_free(k->name);
			k->name = pp_strdup(v);
			if (!k->name)
				rc = PP_ENOMEM;
		} else if (!strcmp(field, "sha256")) {
			if (hex_to_bytes(v, k->sha256))
				rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].sha256: expected 64 hex "
					      "digits", w->origin, idx);
			have_hash = true;
		} else if (!strcmp(field, "scopes")) {
			if (scope_of(v, &k->scopes))
				rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].scopes: expected ingest, "
					      "predict or admin", w->origin, idx);
		} else {
			rc = pp_error(PP_ECONFIG, "%s: unknown key 'server.keys[%zu].%s'", w->origin, idx,
				      field);
		}
		yaml_event_delete(&val);
		if (rc)
			return rc;
	}
	if (!k->name || !have_hash || !k->scopes)
		return pp_error(PP_ECONFIG, "%s: server.keys[%zu]: name, sha256 and scopes are all "
				"required", w->name, idx);
	return 0;
}

static int walk_keys(struct yaml_walk *w)
{
	struct config *c = w->c;
	yaml_event_t ev;
	int rc;

	config_free_keys(c);
	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_MAPPING_START_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu]: expected a mapping",
				      origin_at(w, &ev), c->nkeys);
			yaml_event_delete(&ev);
			return rc;
		}
		yaml_event_delete(&ev);
		struct api_key *nk = pp_realloc(c->keys, sizeof(*nk) * (c->nkeys + 1));
		if (!nk)
			return PP_ENOMEM;
		c->keys = nk;
		memset(&nk[c->nkeys], 0, sizeof(*nk));
		c->nkeys++;
		if ((rc = walk_key_entry(w, &nk[c->nkeys - 1], c->nkeys - 1)))
			return rc;
	}
}

static int walk_mapping(struct yaml_walk *w, const char *prefix, int depth)
{
	yaml_event_t ev, val;
	char key[256];
	int rc;

	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: expected a key", origin_at(w, &ev));
			yaml_event_delete(&ev);
			return rc;
		}
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "",
			 (const char *)ev.data.scalar.value);
		origin_at(w, &ev);
		yaml_event_delete(&ev);
		if ((rc = next_event(w, &val)))
			return rc;
		const struct cfg_option *o = config_find_option(key);
		switch (val.type) {
		case YAML_SCALAR_EVENT:
			rc = config_set_key(w->c, key, (const char *)val.data.scalar.value, w->origin);
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth >= 1 || o)
				rc = o ? pp_error(PP_ECONFIG, "%s: %s: expected a value, not a mapping",
						  w->origin, key)
				       : config_unknown_key(w->origin, key);
			else
				rc = walk_mapping(w, key, depth + 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (o && o->type == CFG_KEYS)
				rc = walk_keys(w);
			else
				rc = o ? pp_error(PP_ECONFIG, "%s: %s: expected a value, not a list",
						  w->origin, key)
				       : config_unknown_key(w->origin, key);
			break;
		default:
			rc = pp_error(PP_ECONFIG, "%s: %s: unsupported YAML (anchors and aliases are "
				      "not allowed)", w->origin, key);
		}
		yaml_event_delete(&val);
		if (rc)
			return rc;
	}
}

int config_load_text(struct config *c, const char *text, size_t len, const char *name)
{
	struct yaml_walk w = { .c = c, .name = name };
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	if (!yaml_parser_initialize(&w.parser))
		return PP_ENOMEM;
	yaml_parser_set_input_string(&w.parser, (const unsigned char *)text, len);
	while (!done && !rc) {
		if ((rc = next_event(&w, &ev)))
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
			rc = walk_mapping(&w, "", 0);
			break;
		case YAML_SCALAR_EVENT:
			/* An empty document (only comments) parses as one null scalar. */
			if (ev.data.scalar.length == 0)
				break;
			/* fall through */
		default:
			rc = pp_error(PP_ECONFIG, "%s: expected a mapping of sections at the top",
				      origin_at(&w, &ev));
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&w.parser);
	return rc;
}

