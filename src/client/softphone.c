/* The softphone link (see softphone.h).  The socket is non-blocking; what
 * could not be written at once waits in `out` for POLLOUT.  A frame that
 * is not a netstring, or a peer that sends more than the reader takes,
 * drops the link: a stream of netstrings cannot be resynchronised. */
#include "client/softphone.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "core/netstring.h"

#define FRAME_MAX (64 * 1024)  /* a `listcalls` of many calls fits */
#define OUT_MAX (32 * 1024)
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 5000

struct softphone {
	struct loop *loop;
	struct softphone_cbs cb;
	char address[300];
	char host[256], port[8];
	int fd;                 /* -1 while down */
	bool up;                /* connected (not only connecting) */
	int timer;              /* the next try, 0: none */
	int64_t backoff_ms;
	unsigned long tokens;
	struct netstring_reader in;
	char out[OUT_MAX];
	size_t outlen;
	char why[256];
	struct sp_msg msg;      /* the message being handed out (9 KiB: not on the stack) */
};

static void try_connect(void *arg, int id);
static void on_fd(void *arg, int fd, short revents);

static int parse_address(struct softphone *sp, const char *address, char *err, size_t errlen)
{
	const char *a = strncmp(address, "tcp:", 4) == 0 ? address + 4 : address;
	const char *colon = strrchr(a, ':');
	size_t hl = colon ? (size_t)(colon - a) : 0;
	if (a[0] == '[' && hl >= 2 && a[hl - 1] == ']') { /* [::1]:4444 */
		a++;
		hl -= 2;
	}
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || hl == 0 || hl >= sizeof(sp->host) || *end || port <= 0 || port > 65535 ||
	    !colon[1]) {
		snprintf(err, errlen, _("phone : « %s » n'est pas une adresse tcp:HÔTE:PORT"), address);
		return -1;
	}
	memcpy(sp->host, a, hl);
	sp->host[hl] = '\0';
	snprintf(sp->port, sizeof(sp->port), "%ld", port);
	snprintf(sp->address, sizeof(sp->address), "%s", address);
	return 0;
}

static void schedule(struct softphone *sp)
{
	if (sp->timer)
		return;
	sp->timer = loop_timer_add(sp->loop, sp->backoff_ms, try_connect, sp);
	if (sp->timer < 0)
		sp->timer = 0;
	sp->backoff_ms = sp->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : sp->backoff_ms * 2;
}

/* The link went (or never came): say so once, and try again later. */
static void down(struct softphone *sp, const char *why)
{
	bool was_up = sp->up;
	if (sp->fd >= 0) {
		loop_fd_del(sp->loop, sp->fd);
		close(sp->fd);
		sp->fd = -1;
	}
	sp->up = false;
	sp->outlen = 0;
	netstring_reset(&sp->in);
	bool news = was_up || strcmp(sp->why, why) != 0;
	snprintf(sp->why, sizeof(sp->why), "%s", why);
	schedule(sp);
	if (news && sp->cb.state)
		sp->cb.state(sp->cb.arg, false, sp->why);
}

static void flush_out(struct softphone *sp)
{
	while (sp->outlen) {
		ssize_t w = send(sp->fd, sp->out, sp->outlen, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0) {
			down(sp, strerror(errno));
			return;
		}
		memmove(sp->out, sp->out + w, sp->outlen - (size_t)w);
		sp->outlen -= (size_t)w;
	}
	loop_fd_set(sp->loop, sp->fd, (short)(POLLIN | (sp->outlen ? POLLOUT : 0)), on_fd, sp);
}

static void read_frames(struct softphone *sp)
{
	const char *f;
	size_t n;
	char why[160];
	enum netstring_got got;
	while ((got = netstring_next(&sp->in, &f, &n)) == NETSTRING_FRAME) {
		if (sp_msg_parse(f, n, &sp->msg, why, sizeof(why)) < 0)
			continue; /* a message of a later baresip: not ours to understand */
		sp->cb.message(sp->cb.arg, &sp->msg);
		if (sp->fd < 0) /* the callback freed nothing but the link may have dropped */
			return;
	}
	if (got == NETSTRING_BAD)
		down(sp, sp->in.why);
}

static void connected(struct softphone *sp)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(sp->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e) {
		down(sp, strerror(e));
		return;
	}
	sp->up = true;
	sp->why[0] = '\0';
	sp->backoff_ms = RETRY_FIRST_MS;
	loop_fd_set(sp->loop, sp->fd, POLLIN, on_fd, sp);
	if (sp->cb.state)
		sp->cb.state(sp->cb.arg, true, "");
}

static void on_fd(void *arg, int fd, short revents)
{
	struct softphone *sp = arg;
	(void)fd;
	if (!sp->up) {
		connected(sp);
		return;
	}
	if (revents & POLLOUT)
		flush_out(sp);
	if (sp->fd < 0 || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	char buf[16384];
	ssize_t r = recv(sp->fd, buf, sizeof(buf), 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		down(sp, r == 0 ? _("baresip a fermé la liaison") : strerror(errno));
		return;
	}
	if (netstring_feed(&sp->in, buf, (size_t)r) < 0) {
		down(sp, sp->in.why);
		return;
	}
	read_frames(sp);
}

static void try_connect(void *arg, int id)
{
	struct softphone *sp = arg;
	(void)id;
	sp->timer = 0;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	int rc = getaddrinfo(sp->host, sp->port, &hints, &ai);
	if (rc != 0) {
		down(sp, gai_strerror(rc));
		return;
	}
	sp->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sp->fd < 0 || (connect(sp->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		int e = errno;
		freeaddrinfo(ai);
		down(sp, strerror(e));
		return;
	}
	freeaddrinfo(ai);
	if (loop_fd_set(sp->loop, sp->fd, POLLOUT, on_fd, sp) < 0)
		down(sp, strerror(ENOMEM));
}

struct softphone *softphone_new(struct loop *l, const char *address,
				const struct softphone_cbs *cbs, char *err, size_t errlen)
{
	struct softphone *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (parse_address(sp, address, err, errlen) < 0) {
		free(sp);
		return NULL;
	}
	sp->loop = l;
	sp->cb = *cbs;
	sp->fd = -1;
	sp->backoff_ms = 0; /* the first try at the next turn */
	netstring_init(&sp->in, FRAME_MAX);
	snprintf(sp->why, sizeof(sp->why), "%s", _("connexion…"));
	schedule(sp);
	sp->backoff_ms = RETRY_FIRST_MS;
	return sp;
}

void softphone_free(struct softphone *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0) {
		loop_fd_del(sp->loop, sp->fd);
		close(sp->fd);
	}
	loop_timer_del(sp->loop, sp->timer);
	netstring_free(&sp->in);
	free(sp);
}

bool softphone_up(const struct softphone *sp)
{
	return sp && sp->up;
}

const char *softphone_address(const struct softphone *sp)
{
	return sp ? sp->address : "";
}

const char *softphone_why(const struct softphone *sp)
{
	return sp && !sp->up ? sp->why : "";
}

int softphone_send(struct softphone *sp, const char *command, const char *params, char token[24])
{
	if (!sp || !sp->up)
		return -1;
	snprintf(token, 24, "%lu", ++sp->tokens);
	size_t n = sp_command_frame(command, params, token, sp->out + sp->outlen,
				    sizeof(sp->out) - sp->outlen);
	if (n == 0)
		return -1;
	sp->outlen += n;
	flush_out(sp);
	return sp->fd >= 0 ? 0 : -1;
}
