/*
 * pipeline_service.h - the pipeline as the server shows and starts it: the DAG and its runs
 * (GET /v1/pipeline, /v1/pipeline/runs, /v1/pipeline/runs/{id}, .../log), a run started on
 * request (POST /v1/pipeline/runs: `ppredict pipeline run` as a process of its own, which
 * outlives the server if it must), and with `serve --scheduler` a `ppredict scheduler`
 * beside the server, started again if it dies, stopped with the server.
 *
 * The server owns it (s->pipeline); the routes read the history, never the runs' memory.
 */
#ifndef PP_PIPELINE_SERVICE_H
#define PP_PIPELINE_SERVICE_H

#include "core/common.h"

struct server;

/* config_path and sets: what the processes it starts are given. A DAG that does not load is
 * the routes' 503 (and the start's error with the scheduler). */
int pipeline_service_start(struct server *s, const char *config_path, const char *const *sets, size_t nsets,
			   bool scheduler);
void pipeline_service_stop(struct server *s);

#endif
