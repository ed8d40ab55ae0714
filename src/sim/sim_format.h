/*
 * sim_format.h - the simulator's events written as the formats users bring:
 * canonical NDJSON, RetailRocket's events.csv, REES46's CSV (see ../shared DATA notes in
 * docs/internals/simulator.md). Each call appends whole lines, newline included.
 */
#ifndef PP_SIM_FORMAT_H
#define PP_SIM_FORMAT_H

#include "core/buf.h"
#include "sim/sim.h"

enum sim_format { SIM_NDJSON, SIM_RETAILROCKET, SIM_REES46 };

int sim_format_parse(const char *name, enum sim_format *out);

/* The CSV header line, or nothing for NDJSON. */
int sim_format_header(enum sim_format f, struct buf *out);

/*
 * One event; returns 1 (writing nothing) when the format cannot express it
 * (RetailRocket has no remove-from-cart).
 */
int sim_format_event(const struct sim *s, enum sim_format f, const struct sim_event *ev,
		     struct buf *out);

/* A broken line of one of several kinds (truncated, bad type, bad number...). */
int sim_format_malformed(const struct sim *s, enum sim_format f, uint64_t kind,
			 const struct sim_event *near, struct buf *out);

/* Catalogue lines: canonical NDJSON records (catalog.h) or RetailRocket CSV. */
int sim_format_categories(const struct sim *s, bool csv, struct buf *out);
int sim_format_item_properties(const struct sim *s, bool csv, struct buf *out);

/* Ground truth: header and one CSV line per session. */
int sim_truth_header(struct buf *out);
int sim_truth_line(const struct sim *s, const struct sim_session_truth *t, struct buf *out);

#endif
