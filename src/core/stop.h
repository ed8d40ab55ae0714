/*
 * stop.h - SIGINT and SIGTERM as a request to stop, for the commands that run until told
 * (the shipper, the stream, the scheduler, a pipeline run): a flag their loops look at, so
 * that they end their work cleanly (a batch posted, tasks stopped, a run recorded).
 */
#ifndef PP_STOP_H
#define PP_STOP_H

/* Installs the handlers (once; no SA_RESTART, so a sleep ends early) and returns the flag,
 * set when either signal comes. */
volatile int *stop_on_signals(void);

#endif
