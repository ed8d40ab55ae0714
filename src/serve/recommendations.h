/* recommendations.h - the recommender the server answers GET /v1/recommendations with,
 * rebuilt when the lake's item_item moves on (serve/recommendations.c). */
#ifndef PP_SERVE_RECOMMENDATIONS_H
#define PP_SERVE_RECOMMENDATIONS_H

struct server;

/* Builds it when the lake has the tables (none yet is not an error) and starts watching. */
int recommendations_start(struct server *s);
void recommendations_stop(struct server *s);

#endif
