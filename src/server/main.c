/* guichetd: the command line.  One table of commands (serve, init, agent,
 * service, token, audit), one table of options shared by all; each command
 * takes what it needs. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/admin.h"
#include "server/demo.h"
#include "server/demo_mail.h"
#include "server/server.h"
#include "server/store_migrate.h"
#include "server/web.h"

static const char USAGE[] =
	"usage: guichetd COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  serve                  run the HTTPS server (--data, --listen, --cert, --key)\n"
	"  --demo                 serve a demo commune (fictional data); with --simulate,\n"
	"                         live traffic; --demo-scale N multiplies the data\n"
	"  --demo-timeline N      (benchmarks) with --demo, N more contacts for citizen 1\n"
	"                         when the data directory is first seeded\n"
	"  --demo-mail MAILDIR    with --demo, the commune's mailbox: 2,000 messages in\n"
	"                         MAILDIR/Maildir indexed by notmuch (NOTMUCH_CONFIG=\n"
	"                         MAILDIR/notmuch-config); --simulate delivers new mail\n"
	"  init                   create a data directory, its database and a private CA\n"
	"  agent add LOGIN        add an agent (--role, --name, --services; password asked\n"
	"                         on the terminal or read from standard input;\n"
	"                         --no-password: it logs in with a token only)\n"
	"  agent list | agent disable LOGIN | agent enable LOGIN\n"
	"  service add SLUG NAME  add a service (--keywords w1,w2 --sla JSON)\n"
	"  service list | service sla SLUG JSON\n"
	"  token create LOGIN     print a new API token for LOGIN, once (--days N)\n"
	"  audit verify           check the audit log's hash chain\n"
	"  audit purge            delete audit records older than --days N (default 365)\n"
	"  migrate --from sqlite:DIR --to postgresql://…\n"
	"                         copy a SQLite store into an empty PostgreSQL database\n"
	"                         (ids, events, audit chain) and check the copy\n"
	"\n"
	"Options:\n"
	"  --data DIR             data directory (default $GUICHETD_DATA or /var/lib/guichetd)\n"
	"  --store WHERE          the database: DIR or sqlite:DIR (SQLite, default: in --data),\n"
	"                         postgresql://USER@HOST/DB (password: PGPASSFILE or\n"
	"                         ?passfile=FILE, 0600; never in the URI); $GUICHETD_STORE\n"
	"  --listen ADDR          HOST:PORT or [V6]:PORT (default 127.0.0.1:8443; port 0 = any)\n"
	"  --cert FILE --key FILE TLS certificate chain and key (default: in DIR)\n"
	"  --insecure-plain-http  plain HTTP on a loopback address (behind a TLS proxy)\n"
	"  --ready-file FILE      write {url, cacert, pid} there once accepting\n"
	"  --threads N            worker threads (default 8)\n"
	"  --timeout S            idle and slow-client cut-off in seconds (default 30)\n"
	"  --max-body BYTES       request body limit (default 1048576)\n"
	"  --max-conn-per-ip N    connections from one address (default 256)\n"
	"  --heartbeat S          event-stream keep-alive period (default 15)\n"
	"  --case-events WHO      who hears of a case's changes and notes: all (every\n"
	"                         agent, the default) or service (the case's service,\n"
	"                         its assignee, supervisors: for thousands of agents)\n"
	"  --offer-timeout S      seconds an agent has to take an offer (default 20)\n"
	"  --audit-retention D    days of audit log kept (default 365)\n"
	"  --events-retention H   hours of event history kept for resuming streams\n"
	"                         (default 168; 0 = forever)\n"
	"  --simulate-rate R      simulated actions per second (default 0.5)\n"
	"  --chat-origin ORIGIN   a web site (https://www.mairie.example) that may embed\n"
	"                         the chat page or call the public API; repeat, up to 8\n"
	"  --chat-rate N          citizen messages a minute in one chat (default 20;\n"
	"                         ten times as many from one address)\n"
	"  --chat-start-rate N    new chats an hour from one address (default 20)\n"
	"  --quiet                no log lines\n"
	"  --help, --version\n";

enum {
	O_DATA = 256, O_STORE, O_LISTEN, O_CERT, O_KEY, O_PLAIN, O_READY, O_THREADS, O_TIMEOUT, O_MAXBODY,
	O_PERIP, O_HEARTBEAT, O_OFFER, O_RETENTION, O_EVRETENTION, O_SIMRATE, O_QUIET, O_DEMO, O_SIMULATE,
	O_SCALE, O_TIMELINE, O_ROLE, O_NAME, O_SERVICES, O_KEYWORDS, O_SLA, O_NAMES, O_NOPW,
	O_DAYS, O_CASEEVENTS, O_HELP, O_VERSION, O_ORIGIN, O_CHATRATE, O_STARTRATE, O_DEMOMAIL, O_FROM, O_TO,
};

static const struct option options[] = {
	{ "data", 1, NULL, O_DATA },           { "store", 1, NULL, O_STORE },
           { "listen", 1, NULL, O_LISTEN },
	{ "cert", 1, NULL, O_CERT },           { "key", 1, NULL, O_KEY },
	{ "insecure-plain-http", 0, NULL, O_PLAIN }, { "ready-file", 1, NULL, O_READY },
	{ "threads", 1, NULL, O_THREADS },     { "timeout", 1, NULL, O_TIMEOUT },
	{ "max-body", 1, NULL, O_MAXBODY },    { "max-conn-per-ip", 1, NULL, O_PERIP },
	{ "heartbeat", 1, NULL, O_HEARTBEAT }, { "offer-timeout", 1, NULL, O_OFFER },
	{ "audit-retention", 1, NULL, O_RETENTION }, { "simulate-rate", 1, NULL, O_SIMRATE },
	{ "events-retention", 1, NULL, O_EVRETENTION }, { "case-events", 1, NULL, O_CASEEVENTS },
	{ "chat-origin", 1, NULL, O_ORIGIN },  { "chat-rate", 1, NULL, O_CHATRATE },
	{ "chat-start-rate", 1, NULL, O_STARTRATE },
	{ "quiet", 0, NULL, O_QUIET },         { "demo", 0, NULL, O_DEMO },
	{ "simulate", 0, NULL, O_SIMULATE },   { "demo-scale", 1, NULL, O_SCALE },
	{ "demo-timeline", 1, NULL, O_TIMELINE }, { "demo-mail", 1, NULL, O_DEMOMAIL },
	{ "role", 1, NULL, O_ROLE },           { "name", 1, NULL, O_NAME },
	{ "services", 1, NULL, O_SERVICES },   { "keywords", 1, NULL, O_KEYWORDS },
	{ "sla", 1, NULL, O_SLA },             { "names", 1, NULL, O_NAMES },
	{ "no-password", 0, NULL, O_NOPW },    { "days", 1, NULL, O_DAYS },
	{ "from", 1, NULL, O_FROM },           { "to", 1, NULL, O_TO },
	{ "help", 0, NULL, O_HELP },           { "version", 0, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static bool listen_given;

struct cli {
	struct server_config cfg;
	struct admin_opts adm;
	const char *pos[4];
	int npos;
	const char *from, *to; /* guichetd migrate */
};

/* A bounded positive number, or exit with a message (this is main). */
static long number(const char *opt, const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < lo || n > hi) {
		fprintf(stderr, "guichetd: --%s takes a number from %ld to %ld\n", opt, lo, hi);
		exit(2);
	}
	return n;
}

static bool case_events(const char *v)
{
	if (strcmp(v, "all") != 0 && strcmp(v, "service") != 0) {
		fprintf(stderr, "guichetd: --case-events takes all or service\n");
		exit(2);
	}
	return strcmp(v, "service") == 0;
}

static void copy(char *dst, size_t n, const char *src, const char *opt)
{
	if (strlen(src) >= n) {
		fprintf(stderr, "guichetd: --%s is too long\n", opt);
		exit(2);
	}
	memcpy(dst, src, strlen(src) + 1);
}

static void add_origin(struct server_config *s, const char *v)
{
	if (!web_origin_valid(v)) {
		fprintf(stderr, "guichetd: --chat-origin takes an origin such as"
				" https://www.mairie.example (scheme, host, port; no path)\n");
		exit(2);
	}
	if (s->nchat_origins == SERVER_ORIGINS_MAX) {
		fprintf(stderr, "guichetd: at most %d --chat-origin\n", SERVER_ORIGINS_MAX);
		exit(2);
	}
	copy(s->chat_origins[s->nchat_origins++], sizeof(s->chat_origins[0]), v, "chat-origin");
}

static void take(struct cli *c, int o, const char *v)
{
	struct server_config *s = &c->cfg;
	switch (o) {
	case O_DATA: copy(s->data_dir, sizeof(s->data_dir), v, "data"); break;
	case O_STORE: copy(s->store, sizeof(s->store), v, "store"); break;
	case O_FROM: c->from = v; break;
	case O_TO: c->to = v; break;
	case O_LISTEN: copy(s->listen, sizeof(s->listen), v, "listen"); listen_given = true; break;
	case O_CERT: copy(s->cert_file, sizeof(s->cert_file), v, "cert"); break;
	case O_KEY: copy(s->key_file, sizeof(s->key_file), v, "key"); break;
	case O_READY: copy(s->ready_file, sizeof(s->ready_file), v, "ready-file"); break;
	case O_PLAIN: s->plain_http = true; break;
	case O_THREADS: s->threads = (unsigned)number("threads", v, 1, 256); break;
	case O_TIMEOUT: s->timeout_s = (unsigned)number("timeout", v, 1, 3600); break;
	case O_MAXBODY: s->max_body = (size_t)number("max-body", v, 1024, 64L << 20); break;
	case O_PERIP: s->max_conn_per_ip = (unsigned)number("max-conn-per-ip", v, 1, 100000); break;
	case O_HEARTBEAT: s->heartbeat_s = (unsigned)number("heartbeat", v, 1, 3600); break;
	case O_OFFER: s->offer_timeout_s = (unsigned)number("offer-timeout", v, 1, 3600); break;
	case O_RETENTION: s->audit_retention_days = (unsigned)number("audit-retention", v, 1, 36500); break;
	case O_EVRETENTION:
		s->events_retention_hours = (unsigned)number("events-retention", v, 0, 876000);
		break;
	case O_SIMRATE: s->simulate_rate = strtod(v, NULL); break;
	case O_CASEEVENTS: s->case_events_by_service = case_events(v); break;
	case O_ORIGIN: add_origin(s, v); break;
	case O_CHATRATE: s->chat_msgs_per_min = (unsigned)number("chat-rate", v, 1, 6000); break;
	case O_STARTRATE:
		s->chat_starts_per_hour = (unsigned)number("chat-start-rate", v, 1, 360000);
		break;
	case O_QUIET: s->quiet = true; break;
	case O_DEMO: s->demo = true; break;
	case O_SIMULATE: s->simulate = true; break;
	case O_SCALE: s->demo_scale = (int)number("demo-scale", v, 1, 1000); break;
	case O_TIMELINE: s->demo_timeline = number("demo-timeline", v, 0, DEMO_TIMELINE_MAX); break;
	case O_DEMOMAIL: copy(s->demo_mail, sizeof(s->demo_mail), v, "demo-mail"); break;
	case O_ROLE: c->adm.role = v; break;
	case O_NAME: c->adm.name = v; break;
	case O_SERVICES: c->adm.services = v; break;
	case O_KEYWORDS: c->adm.keywords = v; break;
	case O_SLA: c->adm.sla = v; break;
	case O_NAMES: c->adm.names = v; break;
	case O_NOPW: c->adm.no_password = true; break;
	case O_DAYS: c->adm.days = (int)number("days", v, 1, 36500); break;
	case O_HELP: fputs(USAGE, stdout); exit(0);
	case O_VERSION: printf("guichetd %s\n", GUICHET_VERSION); exit(0);
	default: fputs(USAGE, stderr); exit(2);
	}
}

static int cmd_serve(struct cli *c)
{
	if (c->cfg.demo && !c->cfg.data_dir[0]) {
		char tmpl[] = "/tmp/guichetd-demo-XXXXXX";
		if (!mkdtemp(tmpl)) {
			perror("guichetd: mkdtemp");
			return 1;
		}
		copy(c->cfg.data_dir, sizeof(c->cfg.data_dir), tmpl, "data");
	}
	if (c->cfg.demo_mail[0]) {
		/* seeds the store first (server_run then finds it seeded) */
		char err[1024];
		if (!c->cfg.demo) {
			fprintf(stderr, "guichetd: --demo-mail goes with --demo\n");
			return 2;
		}
		if (demo_mail_prepare(c->cfg.store, c->cfg.data_dir, c->cfg.demo_scale, c->cfg.demo_timeline,
				      c->cfg.demo_mail, c->cfg.quiet, err, sizeof(err)) < 0) {
			fprintf(stderr, "guichetd: --demo-mail %s: %s\n", c->cfg.demo_mail, err);
			return 1;
		}
	}
	return server_run(&c->cfg);
}

static int adm(struct cli *c, int (*fn)(const struct admin_opts *), int npos, const char *usage)
{
	if (c->npos < npos) {
		fprintf(stderr, "guichetd: usage: guichetd %s\n", usage);
		return 2;
	}
	c->adm.data_dir = c->cfg.data_dir;
	c->adm.store = c->cfg.store;
	c->adm.arg1 = c->npos > 2 ? c->pos[2] : c->npos > 1 ? c->pos[1] : NULL;
	c->adm.arg2 = c->npos > 3 ? c->pos[3] : NULL;
	return fn(&c->adm);
}

static int cmd_init(struct cli *c)
{
	c->adm.data_dir = c->cfg.data_dir;
	c->adm.store = c->cfg.store;
	return admin_init(&c->adm);
}

static int cmd_migrate(struct cli *c)
{
	char err[1024];
	const char *from = c->from;
	if (!from || !c->to) {
		fputs("usage: guichetd migrate --from sqlite:DIR --to postgresql://…\n", stderr);
		return 2;
	}
	if (strncmp(from, "sqlite:", 7) == 0)
		from += 7;
	if (store_migrate(from, c->to, stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: migrate: %s\n", err);
		return 1;
	}
	printf("guichetd: %s copied into PostgreSQL; give every node the same %s/audit.key\n",
	       from, from);
	return 0;
}

static const struct {
	const char *cmd, *sub;
	int (*fn)(const struct admin_opts *);
	int npos;
	const char *usage;
} admin_cmds[] = {
	{ "agent", "add", admin_agent_add, 3, "agent add LOGIN [--role R] [--services a,b]" },
	{ "agent", "list", admin_agent_list, 2, "agent list" },
	{ "agent", "disable", admin_agent_disable, 3, "agent disable LOGIN" },
	{ "agent", "enable", admin_agent_disable, 3, "agent enable LOGIN" },
	{ "service", "add", admin_service_add, 4, "service add SLUG NAME" },
	{ "service", "list", admin_service_list, 2, "service list" },
	{ "service", "sla", admin_service_sla, 4, "service sla SLUG JSON" },
	{ "token", "create", admin_token_create, 3, "token create LOGIN [--days N]" },
	{ "audit", "verify", admin_audit_verify, 2, "audit verify" },
	{ "audit", "purge", admin_audit_purge, 2, "audit purge [--days N]" },
};

static int dispatch(struct cli *c)
{
	const char *cmd = c->npos ? c->pos[0] : NULL;
	if (!cmd)
		return c->cfg.demo ? cmd_serve(c) : (fputs(USAGE, stderr), 2);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(c);
	if (strcmp(cmd, "init") == 0)
		return cmd_init(c);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(c);
	for (size_t i = 0; i < sizeof(admin_cmds) / sizeof(admin_cmds[0]); i++) {
		if (strcmp(admin_cmds[i].cmd, cmd) != 0 || c->npos < 2 ||
		    strcmp(admin_cmds[i].sub, c->pos[1]) != 0)
			continue;
		c->adm.flag = strcmp(admin_cmds[i].sub, "disable") == 0;
		return adm(c, admin_cmds[i].fn, admin_cmds[i].npos, admin_cmds[i].usage);
	}
	fprintf(stderr, "guichetd: unknown command: %s (see guichetd --help)\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	static struct cli c;
	server_config_init(&c.cfg);
	const char *env = getenv("GUICHETD_DATA");
	copy(c.cfg.data_dir, sizeof(c.cfg.data_dir), env && *env ? env : "", "data");
	env = getenv("GUICHETD_STORE");
	copy(c.cfg.store, sizeof(c.cfg.store), env && *env ? env : "", "store");
	int o;
	/* "-": positional arguments come back in order as option 1 */
	while ((o = getopt_long(argc, argv, "-", options, NULL)) != -1) {
		if (o != 1) {
			take(&c, o, optarg);
			continue;
		}
		if (c.npos >= 4) {
			fprintf(stderr, "guichetd: too many arguments (see guichetd --help)\n");
			return 2;
		}
		c.pos[c.npos++] = optarg;
	}
	if (!c.cfg.data_dir[0] && !c.cfg.demo)
		copy(c.cfg.data_dir, sizeof(c.cfg.data_dir), "/var/lib/guichetd", "data");
	if (c.cfg.demo && !listen_given)
		copy(c.cfg.listen, sizeof(c.cfg.listen), "127.0.0.1:0", "listen");
	return dispatch(&c);
}
