/*
 * banned.h - libc calls that are easy to misuse, made compile errors.
 *
 * Use buf_printf/snprintf instead of sprintf, memcpy with a known length or buf_* instead
 * of strcpy/strcat, strtoll with an end pointer (see parse_int64) instead of atoi, and
 * explicit scanning instead of strtok. Included last by common.h, after system headers.
 */
#ifndef PP_BANNED_H
#define PP_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_ppredict

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atof
#define atof(x) BANNED(atof)
#undef gets
#define gets(x) BANNED(gets)

#endif
