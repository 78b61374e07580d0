/*
 * listener.c — the LISTEN thread of `tracker serve` (see listener.h).
 */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "banned.h"

/* How often the thread looks at its connection while nothing arrives (a server that stopped closes
 * the socket, which poll() reports at once; this bounds what poll() cannot see), and how often it tries
 * to reconnect during an outage (the engine's backoff decides when an attempt really goes out). */
enum { IDLE_POLL_MS = 1000, DOWN_POLL_MS = 250 };

struct listener {
	struct listener_options o;
	char *db_path;
	struct store st;
	pthread_t thread;
	int stop[2];
};

static void llog(struct listener *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void llog(struct listener *l, const char *fmt, ...)
{
	if (!l->o.log)
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	l->o.log(l->o.ctx, line);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for the socket (fd >= 0) or the stop pipe; false when stopped. */
static bool wait_for(struct listener *l, int fd, int ms)
{
	struct pollfd p[2] = {{.fd = l->stop[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
	int r = poll(p, fd >= 0 ? 2 : 1, ms);
	return !(r > 0 && (p[0].revents & POLLIN));
}

static void *run(void *arg)
{
	struct listener *l = arg;
	bool down = false;
	double down_since = 0;
	uint64_t resets = store_reconnects(&l->st);
	for (;;) {
		struct error err;
		error_init(&err);
		if (down) {
			if (!wait_for(l, -1, DOWN_POLL_MS))
				break;
			if (store_listen(&l->st, &err) < 0)
				continue; /* still down: logged once, when it went */
			down = false;
			resets = store_reconnects(&l->st);
			llog(l,
			     "database: connection back after %.1f s (%s); anything may have changed "
			     "meanwhile",
			     mono_s() - down_since, store_describe(&l->st));
			l->o.changed(l->o.ctx);
			continue;
		}
		if (!wait_for(l, store_socket(&l->st), IDLE_POLL_MS))
			break;
		int others = 0, own = 0;
		if (store_notifications(&l->st, &others, &own, &err) < 0) {
			down = true;
			down_since = mono_s();
			llog(l, "database: %s; reconnecting (logged once until it is back)", err.msg);
			/* Whatever happens during the outage, the caches must not outlive it. */
			l->o.changed(l->o.ctx);
			continue;
		}
		uint64_t r = store_reconnects(&l->st);
		if (others || r != resets) {
			resets = r;
			l->o.changed(l->o.ctx);
		}
	}
	return NULL;
}

int listener_start(struct listener **out, const struct listener_options *o, struct error *err)
{
	*out = NULL;
	struct listener *l = calloc(1, sizeof *l);
	if (!l)
		return error_set(err, ERR_IO, "out of memory");
	l->o = *o;
	l->stop[0] = l->stop[1] = -1;
	if (pipe(l->stop) < 0) {
		error_set(err, ERR_IO, "listener: pipe: %s", strerror(errno));
		free(l);
		return -1;
	}
	for (int i = 0; i < 2; i++)
		fcntl(l->stop[i], F_SETFD, FD_CLOEXEC);
	if (store_open(&l->st, o->db_path, 0, 5000, err) < 0 || store_listen(&l->st, err) < 0) {
		error_prefix(err, "listening for other instances' changes");
		goto fail;
	}
	int rc = pthread_create(&l->thread, NULL, run, l);
	if (rc) {
		error_set(err, ERR_IO, "listener: cannot start a thread: %s", strerror(rc));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	store_close(&l->st);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l);
	return -1;
}

void listener_stop(struct listener *l)
{
	if (!l)
		return;
	ssize_t n = write(l->stop[1], "x", 1);
	(void)n;
	pthread_join(l->thread, NULL);
	store_close(&l->st);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l);
}
