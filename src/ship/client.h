/* client.h - posting batches of NDJSON events to a ppredict server (libcurl, keep-alive). */
#ifndef PP_SHIP_CLIENT_H
#define PP_SHIP_CLIENT_H

#include "core/buf.h"

struct ship_client;

int ship_client_open(struct ship_client **out, const char *url, const char *key);

/*
 * POSTs body to /v1/events. Returns the HTTP status (0 when the server could not be
 * reached) and leaves the response body in `reply`.
 */
int ship_client_post(struct ship_client *c, const struct buf *body, struct buf *reply);

void ship_client_close(struct ship_client *c);

#endif
