/*
 * event.h - the canonical clickstream event (see docs/internals/event.md).
 *
 * An event is a flat record. Its strings are spans that borrow memory: from the text it
 * was parsed from, or from the scratch buffer the parser decoded escapes into. Whoever
 * owns those keeps them alive as long as the event is used; struct event itself owns
 * nothing and needs no release.
 */
#ifndef PP_EVENT_H
#define PP_EVENT_H

#include "core/buf.h"
#include "core/common.h"
#include "core/config.h"

enum event_type {
	EV_VIEW,
	EV_ADDTOCART,
	EV_REMOVEFROMCART,
	EV_TRANSACTION,
	EV__COUNT
};

struct event {
	int64_t ts;          /* ms since the epoch, UTC */
	int64_t received_at; /* ms; 0 when absent (set by the collector, never by clients) */
	enum event_type type;
	double price;        /* NAN when absent */
	struct span visitor_id;
	struct span item_id;
	struct span session_id;     /* len 0: absent */
	struct span transaction_id; /* len 0: absent */
	struct span category_id;
	struct span event_id;
	struct span props;          /* a JSON object's text, kept as sent; len 0: absent */
};

/* What counts as valid, from config (events.*) and the clock. */
struct event_limits {
	int64_t min_ts;
	int64_t max_ts;
	size_t max_id_len;
	size_t max_event_bytes;
	int max_props_depth;
};

void event_limits_from_config(struct event_limits *lim, const struct config *cfg);

/* Why an event was rejected: the field (or "" for the record as a whole) and a message. */
struct event_error {
	char field[64];
	char message[192];
	size_t column; /* 1-based byte column in a JSON line; 0 when not applicable */
};

/* Canonical name ("addtocart") of a type. */
const char *event_type_name(enum event_type t);

/* Accepts canonical names and the aliases cart, remove_from_cart, purchase. */
int event_type_parse(const char *s, size_t n, enum event_type *out);

/* Resets ev to an empty event (no fields, price NAN). */
void event_clear(struct event *ev);

/*
 * Checks the rules every event obeys whatever its source: ids present and well formed,
 * timestamp within limits, price finite and >= 0, transactions carry transaction_id.
 * Returns 0, or PP_EINVAL with err filled.
 */
int event_validate(const struct event *ev, const struct event_limits *lim,
		   struct event_error *err);

/* Validates one id field's bytes (length, no control characters, valid UTF-8). */
int event_check_id(const char *field, struct span v, bool required, size_t max_len,
		   struct event_error *err);

PP_PRINTF(3, 4)
int event_fail(struct event_error *err, const char *field, const char *fmt, ...);

#define EVENT_PARSE_RAW 1u /* input read back from the lake: received_at is allowed */

/*
 * Parses one JSON object in canonical form into ev and validates it. Escaped strings are
 * decoded into `scratch`, which is reset and grown to len bytes first (so spans into it
 * stay valid until the next call with the same scratch). Returns 0, PP_EINVAL (bad
 * event; err says why) or PP_ENOMEM.
 */
int event_parse_json(const char *text, size_t len, unsigned flags,
		     const struct event_limits *lim, struct event *ev, struct buf *scratch,
		     struct event_error *err);

/* Appends ev as one canonical JSON object (no newline). */
int event_write_json(const struct event *ev, struct buf *out);

/*
 * In a canonical line (event_write_json's output), the event_id as its JSON text between
 * the quotes, escapes kept (so equal ids give equal bytes), or len 0 when there is none.
 * Only the top level is searched: a "event_id" key inside props does not count.
 */
struct span event_line_event_id(const char *line, size_t len);

#endif
