/* Running the agent's own programs (see spawn.h). */
#include "client/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/i18n.h"
#include "core/strbuf.h"

extern char **environ;

#define ARGS_MAX 32

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A program that stops reading its stdin makes our write raise SIGPIPE.
 * The signal's disposition is the program's (whoever embeds the client),
 * its mask per thread is ours: blocked for the exchange, and a SIGPIPE we
 * raised is taken off before the old mask comes back. */
struct sigpipe_guard {
	sigset_t old;
	bool was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE) == 1)
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* argv[0] started with stdin and stdout on the fds given (-1: the desk's
 * own), stderr on /dev/null when quiet, signals as by default.  Its pid,
 * or -1. */
static pid_t start(char *const argv[], int in, int out, bool quiet)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, pipe_only;
	pid_t pid = -1;
	sigemptyset(&none);
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &pipe_only);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (posix_spawnp(&pid, argv[0], &fa, &at, argv, environ) != 0)
		pid = -1;
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Feed in to fd `to` while reading `from` into b (both closed here);
 * false when the deadline came first. */
static bool exchange(int to, int from, const char *in, size_t len, struct strbuf *b, bool keep,
		     int64_t deadline)
{
	size_t sent = 0;
	bool ok = true;
	fcntl(to, F_SETFL, O_NONBLOCK);
	if (!len) {
		close(to);
		to = -1;
	}
	while (from >= 0 || to >= 0) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			ok = false;
			break;
		}
		struct pollfd p[2] = { { .fd = from, .events = POLLIN }, { .fd = to, .events = POLLOUT } };
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (to >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(to, in + sent, len - sent > 65536 ? 65536 : len - sent);
			if (w > 0)
				sent += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == len) {
				close(to);
				to = -1;
			}
		}
		if (from >= 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP))) {
			char tmp[65536];
			ssize_t r = read(from, tmp, sizeof(tmp));
			if (r > 0 && keep)
				strbuf_add(b, tmp, (size_t)r);
			if ((r < 0 && errno != EAGAIN && errno != EINTR) || r == 0) {
				close(from);
				from = -1;
			}
		}
	}
	if (to >= 0)
		close(to);
	if (from >= 0)
		close(from);
	return ok;
}

/* Wait for pid until deadline (0: kill it now); false when it had to be
 * killed.  Always reaped. */
static bool reap(pid_t pid, int64_t deadline, int *st)
{
	while (deadline && now_ms() < deadline) {
		pid_t r = waitpid(pid, st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		struct timespec ms = { 0, 2000000 };
		nanosleep(&ms, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
	return false;
}

int spawn_pipe(const char *cmd, const char *in, size_t inlen, size_t outmax, int timeout_ms,
	       char **out, size_t *outlen, char *err, size_t errlen)
{
	char *copy = strdup(cmd ? cmd : ""), *argv[ARGS_MAX + 1], *save = NULL;
	int n = 0, to[2] = { -1, -1 }, from[2] = { -1, -1 }, st = 0, rc = -1;
	struct strbuf b = { .max = outmax ? outmax : (size_t)4 << 20 };
	if (out)
		*out = NULL;
	for (char *t = copy ? strtok_r(copy, " ", &save) : NULL; t && n < ARGS_MAX;
	     t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	if (!n) {
		snprintf(err, errlen, _("commande vide"));
		goto done;
	}
	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto done;
	}
	pid_t pid = start(argv, to[0], from[1], true);
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;
	if (pid < 0) {
		snprintf(err, errlen, _("%s : introuvable ou impossible à lancer"), argv[0]);
		goto done;
	}
	struct sigpipe_guard g;
	int64_t deadline = now_ms() + timeout_ms;
	sigpipe_block(&g);
	bool ok = exchange(to[1], from[0], in, inlen, &b, out != NULL, deadline);
	to[1] = from[0] = -1;
	sigpipe_restore(&g);
	if (!reap(pid, ok ? deadline : 0, &st) || !WIFEXITED(st)) {
		snprintf(err, errlen, _("%s : arrêté (trop long, ou tué)"), argv[0]);
		goto done;
	}
	rc = WEXITSTATUS(st);
	if (out) {
		if (outlen)
			*outlen = b.n;
		*out = strbuf_take(&b);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	strbuf_free(&b);
	free(copy);
	return rc;
}

int spawn_wait(char *const argv[])
{
	int st = 0;
	pid_t pid = start(argv, -1, -1, false);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
