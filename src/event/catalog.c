#include "event/catalog.h"
#include "core/err.h"
#include "core/json_scan.h"

int catalog_write_category(struct buf *out, struct span category_id, struct span parent_id)
{
	int rc;

	if ((rc = buf_puts(out, "{\"category_id\":")) ||
	    (rc = buf_put_json_str(out, category_id.p, category_id.len)))
		return rc;
	if (parent_id.len && ((rc = buf_puts(out, ",\"parent_id\":")) ||
			      (rc = buf_put_json_str(out, parent_id.p, parent_id.len))))
		return rc;
	return buf_putc(out, '}');
}

int catalog_write_property(struct buf *out, int64_t ts, struct span item_id,
			   struct span property, struct span value)
{
	int rc;

	if ((rc = buf_puts(out, "{\"ts\":")) || (rc = buf_put_i64(out, ts)) ||
	    (rc = buf_puts(out, ",\"item_id\":")) ||
	    (rc = buf_put_json_str(out, item_id.p, item_id.len)) ||
	    (rc = buf_puts(out, ",\"property\":")) ||
	    (rc = buf_put_json_str(out, property.p, property.len)) ||
	    (rc = buf_puts(out, ",\"value\":")) ||
	    (rc = buf_put_json_str(out, value.p, value.len)))
		return rc;
	return buf_putc(out, '}');
}

/* ---- reading ------------------------------------------------------------------------ */

/* The keys a record may hold: strings, except ts. Unknown keys are skipped. */
struct catalog_key {
	const char *name;
	bool required, nonempty;
	struct span *str;
	int64_t *num;
};

static int parse_record(const char *line, size_t len, const struct catalog_key *keys, size_t nkeys,
			struct buf *scratch)
{
	struct json_scan sc;
	bool seen[4] = { false };
	char *out;
	size_t k;

	buf_reset(scratch);
	if (buf_grow(scratch, len + 1))
		return PP_ENOMEM;
	out = scratch->data;
	json_scan_init(&sc, line, len);
	if (json_expect(&sc, '{', "expected an object"))
		goto syntax;
	if (json_peek(&sc) == '}') {
		sc.pos++;
	} else {
		for (;;) {
			struct span name;
			if (json_read_string(&sc, &name, &out) || json_expect(&sc, ':', "expected ':'"))
				goto syntax;
			for (k = 0; k < nkeys; k++)
				if (strlen(keys[k].name) == name.len && !memcmp(keys[k].name, name.p, name.len))
					break;
			if (k == nkeys) {
				if (json_skip_value(&sc, 16))
					goto syntax;
			} else if (seen[k]) {
				return pp_error(PP_EINVAL, "%s: given twice", keys[k].name);
			} else if (keys[k].num) {
				struct span raw;
				bool is_int;
				double d;
				if (json_peek(&sc) != '-' && (json_peek(&sc) < '0' || json_peek(&sc) > '9'))
					return pp_error(PP_EINVAL, "%s: expected an integer (ms since the epoch)",
							keys[k].name);
				if (json_read_number(&sc, &raw, &is_int, keys[k].num, &d))
					goto syntax;
				if (!is_int)
					return pp_error(PP_EINVAL, "%s: expected an integer, got %.*s", keys[k].name,
							(int)raw.len, raw.p);
			} else if (json_peek(&sc) == '"') {
				if (json_read_string(&sc, keys[k].str, &out))
					goto syntax;
			} else if (json_peek(&sc) == 'n' && !keys[k].required) {
				if (json_skip_value(&sc, 1))
					goto syntax;
				*keys[k].str = (struct span){ NULL, 0 };
			} else {
				return pp_error(PP_EINVAL, "%s: expected a string", keys[k].name);
			}
			if (k < nkeys)
				seen[k] = true;
			if (json_peek(&sc) == ',') {
				sc.pos++;
				continue;
			}
			if (json_expect(&sc, '}', "expected ',' or '}'"))
				goto syntax;
			break;
		}
	}
	if (json_peek(&sc))
		return pp_error(PP_EINVAL, "text after the object at byte %zu", sc.pos + 1);
	for (k = 0; k < nkeys; k++) {
		if (keys[k].required && !seen[k])
			return pp_error(PP_EINVAL, "%s: missing", keys[k].name);
		if (keys[k].nonempty && seen[k] && !keys[k].str->len)
			return pp_error(PP_EINVAL, "%s: empty", keys[k].name);
	}
	return 0;
syntax:
	return pp_error(PP_EINVAL, "not JSON at byte %zu: %s", sc.pos + 1, sc.err);
}

int catalog_parse_category(const char *line, size_t len, struct catalog_category *out,
			   struct buf *scratch)
{
	const struct catalog_key keys[] = {
		{ "category_id", true, true, &out->id, NULL },
		{ "parent_id", false, false, &out->parent, NULL },
	};

	memset(out, 0, sizeof(*out));
	return parse_record(line, len, keys, ARRAY_SIZE(keys), scratch);
}

int catalog_parse_property(const char *line, size_t len, struct catalog_property *out,
			   struct buf *scratch)
{
	const struct catalog_key keys[] = {
		{ "ts", true, false, NULL, &out->ts },
		{ "item_id", true, true, &out->item_id, NULL },
		{ "property", true, true, &out->property, NULL },
		{ "value", true, false, &out->value, NULL },
	};

	memset(out, 0, sizeof(*out));
	return parse_record(line, len, keys, ARRAY_SIZE(keys), scratch);
}
