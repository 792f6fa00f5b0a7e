/* The client's event loop (see loop.h).  Fds and timers are small arrays:
 * a desk watches a handful of sockets and a few timers, so a linear scan
 * is cheaper than any heap.  Removal during dispatch only marks an entry;
 * entries are compacted once the turn is over, so a callback may remove
 * anything, itself included. */
#include "client/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIG_SLOTS 65

struct watch {
	int fd;              /* -1: removed, compacted after the turn */
	short events;
	loop_fd_fn fn;
	void *arg;
};

struct timer {
	int id;              /* 0: removed or fired */
	int64_t due;
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	struct watch *w;
	size_t nw, capw;
	struct timer *t;
	size_t nt, capt;
	int next_id;
	int pipe[2];         /* self-pipe: signals and loop_wakeup */
	loop_signal_fn sig_fn[SIG_SLOTS];
	void *sig_arg[SIG_SLOTS];
	bool sig_used[SIG_SLOTS];
	struct pollfd *pfd;
	size_t cappfd;
};

/* The loop signals are for; its pipe's write end is all a handler touches. */
static volatile sig_atomic_t sig_pending[SIG_SLOTS];
static int sig_pipe = -1;

int64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (pipe(l->pipe) < 0) {
		free(l);
		return NULL;
	}
	if (nonblock(l->pipe[0]) < 0 || nonblock(l->pipe[1]) < 0 ||
	    fcntl(l->pipe[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(l->pipe[1], F_SETFD, FD_CLOEXEC) < 0) {
		loop_free(l);
		return NULL;
	}
	l->next_id = 1;
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (int s = 0; s < SIG_SLOTS; s++)
		if (l->sig_used[s])
			signal(s, SIG_DFL);
	if (sig_pipe == l->pipe[1])
		sig_pipe = -1;
	close(l->pipe[0]);
	close(l->pipe[1]);
	free(l->w);
	free(l->t);
	free(l->pfd);
	free(l);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

int loop_fd_set(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	if (fd < 0 || !fn)
		return -1;
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd) {
			l->w[i] = (struct watch){ fd, events, fn, arg };
			return 0;
		}
	if (!grow((void **)&l->w, &l->capw, l->nw + 1, sizeof(*l->w)))
		return -1;
	l->w[l->nw++] = (struct watch){ fd, events, fn, arg };
	return 0;
}

void loop_fd_del(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd)
			l->w[i].fd = -1;
}

int loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn fn, void *arg)
{
	if (!fn || !grow((void **)&l->t, &l->capt, l->nt + 1, sizeof(*l->t)))
		return -1;
	int id = l->next_id++;
	if (l->next_id <= 0) /* wrapped after two thousand million timers */
		l->next_id = 1;
	l->t[l->nt++] = (struct timer){ id, loop_now_ms() + (after_ms > 0 ? after_ms : 0), fn, arg };
	return id;
}

void loop_timer_del(struct loop *l, int id)
{
	if (id <= 0)
		return;
	for (size_t i = 0; i < l->nt; i++)
		if (l->t[i].id == id)
			l->t[i].id = 0;
}

static void on_signal(int signo)
{
	int saved = errno;
	if (signo > 0 && signo < SIG_SLOTS)
		sig_pending[signo] = 1;
	if (sig_pipe >= 0) {
		ssize_t r = write(sig_pipe, "s", 1);
		(void)r; /* a full pipe already wakes the loop */
	}
	errno = saved;
}

int loop_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	if (signo <= 0 || signo >= SIG_SLOTS || !fn)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sig_pipe = l->pipe[1];
	if (sigaction(signo, &sa, NULL) < 0)
		return -1;
	l->sig_fn[signo] = fn;
	l->sig_arg[signo] = arg;
	l->sig_used[signo] = true;
	return 0;
}

void loop_signal_del(struct loop *l, int signo)
{
	if (signo <= 0 || signo >= SIG_SLOTS || !l->sig_used[signo])
		return;
	signal(signo, SIG_DFL);
	l->sig_used[signo] = false;
	l->sig_fn[signo] = NULL;
	l->sig_arg[signo] = NULL;
}

void loop_wakeup(struct loop *l)
{
	ssize_t r = write(l->pipe[1], "w", 1);
	(void)r;
}

/* How long poll may sleep: until the first timer, at most max_wait_ms. */
static int wait_for(const struct loop *l, int max_wait_ms)
{
	int64_t now = loop_now_ms(), best = max_wait_ms < 0 ? -1 : max_wait_ms;
	for (size_t i = 0; i < l->nt; i++) {
		if (!l->t[i].id)
			continue;
		int64_t in = l->t[i].due > now ? l->t[i].due - now : 0;
		if (best < 0 || in < best)
			best = in;
	}
	return best > 1000000 ? 1000000 : (int)best;
}

static int run_timers(struct loop *l)
{
	int ran = 0;
	int64_t now = loop_now_ms();
	size_t n = l->nt; /* timers added by a callback wait for the next turn */
	for (size_t i = 0; i < n; i++) {
		struct timer t = l->t[i];
		if (!t.id || t.due > now)
			continue;
		l->t[i].id = 0;
		t.fn(t.arg, t.id);
		ran++;
	}
	return ran;
}

static int drain_pipe(struct loop *l)
{
	char buf[64];
	int ran = 0;
	while (read(l->pipe[0], buf, sizeof(buf)) > 0)
		;
	for (int s = 1; s < SIG_SLOTS; s++)
		if (sig_pending[s] && l->sig_used[s]) {
			sig_pending[s] = 0;
			l->sig_fn[s](l->sig_arg[s], s);
			ran++;
		}
	return ran;
}

static void compact(struct loop *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].fd >= 0)
			l->w[k++] = l->w[i];
	l->nw = k;
	k = 0;
	for (size_t i = 0; i < l->nt; i++)
		if (l->t[i].id)
			l->t[k++] = l->t[i];
	l->nt = k;
}

int loop_once(struct loop *l, int max_wait_ms)
{
	size_t n = l->nw;
	if (!grow((void **)&l->pfd, &l->cappfd, n + 1, sizeof(*l->pfd)))
		return -1;
	l->pfd[0] = (struct pollfd){ .fd = l->pipe[0], .events = POLLIN };
	for (size_t i = 0; i < n; i++)
		l->pfd[i + 1] = (struct pollfd){ .fd = l->w[i].fd, .events = l->w[i].events };
	int r = poll(l->pfd, (nfds_t)(n + 1), wait_for(l, max_wait_ms));
	if (r < 0 && errno != EINTR)
		return -1;
	int ran = 0;
	if (r > 0 && l->pfd[0].revents)
		ran += drain_pipe(l);
	for (size_t i = 0; r > 0 && i < n; i++) {
		struct watch w = l->w[i];
		short rev = l->pfd[i + 1].revents;
		/* removed, or replaced by another fd, since the poll: not for it */
		if (!rev || w.fd != l->pfd[i + 1].fd)
			continue;
		w.fn(w.arg, w.fd, rev);
		ran++;
	}
	ran += run_timers(l);
	compact(l);
	return ran;
}
