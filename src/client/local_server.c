/* A guichetd child process for `guichet --demo` (see local_server.h). */
#include "client/local_server.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "core/json_bounded.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* guichetd next to the program (build/guichet -> build/guichetd), or
 * where `make install` puts it beside bin/ (sbin/), else the one on PATH. */
static void find_guichetd(const char *self, char *out, size_t n)
{
	static const char *const beside[] = { "guichetd", "../sbin/guichetd" };
	char exe[PATH_MAX], try[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0 && self)
		len = (ssize_t)snprintf(exe, sizeof(exe), "%s", self);
	char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
	for (size_t i = 0; slash && i < sizeof(beside) / sizeof(beside[0]); i++) {
		int k = snprintf(try, sizeof(try), "%.*s/%s", (int)(slash - exe), exe, beside[i]);
		if (k < 0 || (size_t)k >= sizeof(try) || (size_t)k >= n)
			continue;
		if (access(try, X_OK) == 0) {
			snprintf(out, n, "%s", try);
			return;
		}
	}
	snprintf(out, n, "guichetd");
}

/* Run prog with argv in a child whose output goes to DIR/guichetd.log and
 * whose standard input is `input` (NULL: /dev/null). */
static pid_t spawn_argv(const char *prog, const char *const *argv, const char *dir,
			const char *input)
{
	char log[600];
	int in[2] = { -1, -1 };
	snprintf(log, sizeof(log), "%s/guichetd.log", dir);
	if (input && pipe(in) < 0)
		return -1;
	pid_t pid = fork();
	if (pid != 0) {
		if (input) {
			close(in[0]);
			if (pid > 0 && write(in[1], input, strlen(input)) < 0)
				pid = -1;
			close(in[1]);
		}
		return pid;
	}
	/* the child: its output goes to a log, never over the desk's screen */
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	int stdin_fd = input ? in[0] : open("/dev/null", O_RDONLY);
	if (stdin_fd >= 0)
		dup2(stdin_fd, STDIN_FILENO);
	if (input)
		close(in[1]);
	execvp(prog, (char *const *)argv);
	_exit(127);
}

static pid_t spawn(const char *prog, const struct local_server *s, bool simulate)
{
	char data[600], ready[600], mail[600];
	snprintf(data, sizeof(data), "%s/data", s->dir);
	snprintf(ready, sizeof(ready), "%s/ready.json", s->dir);
	snprintf(mail, sizeof(mail), "%s/mail", s->dir);
	const char *argv[] = { prog, "--demo", "--data", data, "--listen", "127.0.0.1:0",
			       "--ready-file", ready, "--demo-mail", mail,
			       simulate ? "--simulate" : NULL, NULL };
	return spawn_argv(prog, argv, s->dir, NULL);
}

static int wait_ready(struct local_server *s, const char *prog, int timeout_ms, char *err,
		      size_t errlen);

/* Read url and cacert from the ready file once it is complete. */
static int read_ready(struct local_server *s)
{
	char path[600], buf[4096];
	snprintf(path, sizeof(path), "%s/ready.json", s->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	json_t *j = json_bounded_parse(buf, n, NULL, NULL, NULL, 0);
	const char *url = json_string_value(json_object_get(j, "url"));
	const char *ca = json_string_value(json_object_get(j, "cacert"));
	int rc = url && ca ? 0 : -1;
	if (rc == 0) {
		snprintf(s->url, sizeof(s->url), "%s", url);
		snprintf(s->cacert, sizeof(s->cacert), "%s", ca);
	}
	json_decref(j);
	return rc;
}

int local_server_start_demo(struct local_server *s, const char *self, bool simulate,
			    int timeout_ms, char *err, size_t errlen)
{
	char prog[PATH_MAX];
	memset(s, 0, sizeof(*s));
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/guichet-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	find_guichetd(self, prog, sizeof(prog));
	s->pid = spawn(prog, s, simulate);
	if (s->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		local_server_stop(s);
		return -1;
	}
	return wait_ready(s, prog, timeout_ms, err, errlen);
}

/* Wait until the server wrote its ready file, or stopped, or the deadline. */
static int wait_ready(struct local_server *s, const char *prog, int timeout_ms, char *err,
		      size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	while (read_ready(s) < 0) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			snprintf(err, errlen, "%s stopped at start (see %s/guichetd.log)", prog, s->dir);
			s->pid = 0;
			return -1;
		}
		if (now_ms() > deadline) {
			snprintf(err, errlen, "%s did not start in time", prog);
			local_server_stop(s);
			return -1;
		}
		struct timespec pause = { 0, 20 * 1000000 }; /* polling a file, not a guess */
		nanosleep(&pause, NULL);
	}
	return 0;
}

bool local_server_exists(const char *dir)
{
	char db[600];
	snprintf(db, sizeof(db), "%s/guichet.db", dir);
	return access(db, F_OK) == 0;
}

/* Run a guichetd admin command to its end: 0, or -1 with a message. */
static int admin(const char *prog, const char *const *argv, const char *dir, const char *input,
		 char *err, size_t errlen)
{
	int status;
	pid_t pid = spawn_argv(prog, argv, dir, input);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s %s failed (see %s/guichetd.log)", prog, argv[1], dir);
		return -1;
	}
	return 0;
}

/* A new data directory with its database, CA and first administrator. */
static int create_embedded(const char *prog, const char *dir, const char *login,
			   const char *password, char *err, size_t errlen)
{
	char pw[600];
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	const char *init[] = { prog, "init", "--data", dir, NULL };
	const char *add[] = { prog, "agent", "add", login, "--role", "admin", "--data", dir, NULL };
	snprintf(pw, sizeof(pw), "%s\n", password ? password : "");
	int rc = admin(prog, init, dir, NULL, err, errlen) < 0 ||
			 admin(prog, add, dir, pw, err, errlen) < 0
		 ? -1 : 0;
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

int local_server_start_embedded(struct local_server *s, const char *self, const char *dir,
				const char *login, const char *password, int timeout_ms,
				char *err, size_t errlen)
{
	char prog[PATH_MAX], ready[600];
	memset(s, 0, sizeof(*s));
	s->keep_dir = true;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	find_guichetd(self, prog, sizeof(prog));
	if (!local_server_exists(dir) && create_embedded(prog, dir, login, password, err, errlen) < 0)
		return -1;
	snprintf(ready, sizeof(ready), "%s/ready.json", dir);
	unlink(ready);
	const char *argv[] = { prog, "serve", "--data", dir, "--listen", "127.0.0.1:0",
			       "--ready-file", ready, NULL };
	s->pid = spawn_argv(prog, argv, dir, NULL);
	if (s->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	return wait_ready(s, prog, timeout_ms, err, errlen);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void local_server_stop(struct local_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int64_t deadline = now_ms() + 10000;
		int status;
		while (waitpid(s->pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &status, 0);
				break;
			}
			struct timespec pause = { 0, 20 * 1000000 };
			nanosleep(&pause, NULL);
		}
		s->pid = 0;
	}
	if (s->dir[0] && !s->keep_dir)
		nftw(s->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}
