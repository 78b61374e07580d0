/*
 * banned.h — calls this project does not use, poisoned so they cannot creep back in (after git's banned.h).
 *
 * Use snprintf or struct buf instead of strcpy/strcat/sprintf; strtoll with end checks instead of atoi;
 * gmtime_r/localtime_r instead of the static-buffer versions; strtok_r instead of strtok.
 * Include this last, after system headers.
 */
#ifndef TRACKER_BANNED_H
#define TRACKER_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)

#endif
