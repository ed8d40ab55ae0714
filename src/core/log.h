/*
 * log.h - diagnostics on stderr, prefixed "ppredict <command>: ".
 *
 * The prefix is set once by main from the command being run. Errors and warnings always
 * print; info and debug follow the level (config log.level, -q, -v).
 */
#ifndef PP_LOG_H
#define PP_LOG_H

#include "core/common.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_command(const char *cmd);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) PP_PRINTF(2, 3);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
