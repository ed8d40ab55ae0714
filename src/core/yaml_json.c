/* A YAML document as a jansson tree (yaml_json.h), with libyaml's event parser. */
#include "core/yaml_json.h"
#include "core/err.h"
#include "core/parse.h"

#include <yaml.h>

#define MAX_DEPTH 64

struct walk {
	yaml_parser_t parser;
	const char *file;
};

static int next(struct walk *w, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&w->parser, ev))
		return pp_error(PP_EPARSE, "%s:%zu:%zu: YAML syntax error: %s", w->file,
				w->parser.problem_mark.line + 1, w->parser.problem_mark.column + 1,
				w->parser.problem ? w->parser.problem : "unknown");
	return 0;
}

static json_t *scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	int64_t i;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(s, n);
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (!n || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (!parse_int64(s, n, &i))
		return json_integer(i);
	if (!parse_double(s, n, &d))
		return json_real(d);
	return json_stringn(s, n);
}

/* The node that starts with ev (consumed), into *out. */
static int node(struct walk *w, yaml_event_t *ev, int depth, json_t **out)
{
	size_t line = ev->start_mark.line + 1;
	yaml_event_t item;
	int rc = 0;

	*out = NULL;
	if (depth > MAX_DEPTH)
		return pp_error(PP_ELIMIT, "%s:%zu: nested deeper than %d levels", w->file, line, MAX_DEPTH);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = scalar(ev);
		break;
	case YAML_ALIAS_EVENT:
		return pp_error(PP_EPARSE, "%s:%zu: aliases (*name) are not supported", w->file, line);
	case YAML_SEQUENCE_START_EVENT:
		*out = json_array();
		while (!rc && !(rc = next(w, &item))) {
			json_t *v;
			if (item.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&item);
				break;
			}
			rc = node(w, &item, depth + 1, &v);
			yaml_event_delete(&item);
			if (!rc && json_array_append_new(*out, v))
				rc = PP_ENOMEM;
		}
		break;
	case YAML_MAPPING_START_EVENT:
		*out = json_object();
		while (!rc && !(rc = next(w, &item))) {
			yaml_event_t val;
			json_t *v;
			char key[256];
			if (item.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&item);
				break;
			}
			if (item.type != YAML_SCALAR_EVENT) {
				rc = pp_error(PP_EPARSE, "%s:%zu: a mapping key must be a plain value",
					      w->file, item.start_mark.line + 1);
				yaml_event_delete(&item);
				break;
			}
			snprintf(key, sizeof(key), "%s", (const char *)item.data.scalar.value);
			if (json_object_get(*out, key))
				rc = pp_error(PP_EPARSE, "%s:%zu: key '%s' appears twice", w->file,
					      item.start_mark.line + 1, key);
			yaml_event_delete(&item);
			if (rc || (rc = next(w, &val)))
				break;
			rc = node(w, &val, depth + 1, &v);
			yaml_event_delete(&val);
			if (!rc && json_object_set_new(*out, key, v))
				rc = PP_ENOMEM;
		}
		break;
	default:
		return pp_error(PP_EPARSE, "%s:%zu: unexpected YAML event", w->file, line);
	}
	if (!rc && !*out)
		rc = PP_ENOMEM;
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int yaml_to_json(const char *file, const char *text, size_t len, json_t **out)
{
	struct walk w = { .file = file };
	yaml_event_t ev;
	int rc;

	*out = NULL;
	if (!yaml_parser_initialize(&w.parser))
		return PP_ENOMEM;
	yaml_parser_set_input_string(&w.parser, (const unsigned char *)text, len);
	/* stream start, document start (or the stream's end: an empty file) */
	for (;;) {
		if ((rc = next(&w, &ev)))
			goto out;
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		break;
	}
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		rc = pp_error(PP_EPARSE, "%s: the file is empty", file);
		goto out;
	}
	rc = node(&w, &ev, 0, out);
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(&w.parser);
	return rc;
}
