/* Secret lines from the terminal or an fd (see secret_in.h). */
#include "client/secret_in.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>

#include "client/errbuf.h"
#include "client/i18n.h"

#define BUF_LEN (SECRET_IN_MAX + 2) /* the line, its '\r' or its NUL */

/* The signals that would leave the terminal without its echo. */
static const int SIGNALS[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof(SIGNALS) / sizeof(SIGNALS[0]))

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

static char *buf_new(char *err, size_t errlen)
{
	char *buf = sodium_init() < 0 ? NULL : sodium_malloc(BUF_LEN);
	if (!buf)
		errbuf_set(err, errlen, "%s", _("mémoire épuisée"));
	return buf;
}

void secret_in_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, BUF_LEN);
	sodium_free(s);
}

/* One line from fd into buf (BUF_LEN bytes), a byte at a time; from names
 * the fd in messages.  0 with *len, or -1 with err set. */
static int read_line(int fd, char *buf, size_t *len, const char *from, char *err, size_t errlen)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR && !caught)
			continue;
		if (r < 0)
			return errbuf_set(err, errlen, _("phrase de passe : %s : %s"), from, strerror(errno));
		if (r == 0 && n == 0)
			return errbuf_set(err, errlen, _("phrase de passe : rien à lire sur %s"), from);
		if (r == 0 || buf[n] == '\n')
			break;
		if (++n == BUF_LEN)
			break; /* too long: said below */
	}
	if (n > 0 && n < BUF_LEN && buf[n - 1] == '\r')
		n--;
	if (n > SECRET_IN_MAX) {
		sodium_memzero(buf, BUF_LEN);
		return errbuf_set(err, errlen, _("phrase de passe trop longue (au plus %d octets)"),
			    SECRET_IN_MAX);
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

char *secret_in_fd(int fd, size_t *len, char *err, size_t errlen)
{
	char from[64];
	char *buf = buf_new(err, errlen);
	snprintf(from, sizeof(from), _("le descripteur %d"), fd);
	if (buf && read_line(fd, buf, len, from, err, errlen) < 0) {
		secret_in_free(buf);
		return NULL;
	}
	return buf;
}

/* While the echo is off, the signals only stop the read. */
static void catch_signals(struct sigaction was[NSIGNALS])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(SIGNALS[i], &sa, &was[i]);
}

/* The handlers as they were; then a signal caught meanwhile is raised. */
static void release_signals(const struct sigaction was[NSIGNALS])
{
	int sig = caught;
	caught = 0;
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(SIGNALS[i], &was[i], NULL);
	if (sig)
		raise(sig);
}

char *secret_in_tty(const char *prompt, size_t *len, char *err, size_t errlen)
{
	struct termios old, quiet;
	struct sigaction was[NSIGNALS];
	char *buf = NULL;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &old) < 0) {
		errbuf_set(err, errlen, _("pas de terminal pour demander la phrase de passe (%s) : "
				    "donnez-la par --passphrase-fd N"), strerror(errno));
		goto fail;
	}
	if (!(buf = buf_new(err, errlen)))
		goto fail;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	catch_signals(was);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	fputs(prompt, stderr);
	fflush(stderr);
	int rc = read_line(fd, buf, len, "/dev/tty", err, errlen);
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	release_signals(was);
	if (rc < 0)
		goto fail;
	close(fd);
	return buf;
fail:
	secret_in_free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}
