/* make bench, the offline cache's part (run by tests/bench/cache): a desk's
 * cache as big as a busy agent's (2,000 citizens, 2,000 cases, the work
 * list "mine" of 100 cases, timelines of 100,000 interactions in all, each
 * shaped like one of guichetd's timeline items), written with cache_save,
 * then measured in the same run:
 *   - opening it as the desk does before its first screen: cache_open,
 *     cache_attach, and what the first screens read (the work list, a
 *     citizen, its timeline), in a new process each time (this program,
 *     exec'd with --open), so that its peak memory (VmHWM) is its own;
 *   - the offline search (cache_search) by name without accents, phone
 *     in the "06 12 34 56 78" form, mail, case reference: the first one on
 *     a newly opened cache (it builds its index), then the median of the
 *     next ones; and the first one after cache_search_prepare (which the
 *     desk runs while idle), with the time that took;
 *   - the file's size, and the time of a save.
 * Prints figures and the goals; fails only when a search does not find
 * the citizen it looks for or the cache gives back something else than
 * what was saved.
 *
 * usage: bench_cache [DIR]          (DIR: where the file goes; default a
 *                                    new directory under $TMPDIR, removed)
 *        bench_cache --open FILE    (one measured opening, a line on stdout)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>
#include <sodium.h>

#include "client/cache.h"
#include "client/store.h"
#include "core/json_get.h"

#define CITIZENS 2000
#define CASES 2000
#define MINE 100
#define INTERACTIONS 100000
#define PER_TIMELINE (INTERACTIONS / CITIZENS)
#define LISTS_PER_SAVE 60        /* the store keeps STORE_LISTS_MAX (64) lists */
#define MAX_MB 256
#define OPENS 5
#define SEARCHES 20
#define TARGET 1234              /* the citizen the first screens and the searches look for */

static const unsigned char KEY[CACHE_FILE_KEY_BYTES] = "guichet bench key, not a secret";

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cache bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* /proc/self/status's line (kB), or -1. */
static long status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* --- the data ----------------------------------------------------------------------- */

/* Names with their mail form (no accent, no space). */
struct name {
	const char *text, *mail;
};

static const struct name GIVEN[] = {
	{ "Hélène", "helene" }, { "Chloé", "chloe" }, { "Zoé", "zoe" }, { "Léa", "lea" },
	{ "Jérôme", "jerome" }, { "François", "francois" }, { "Noël", "noel" },
	{ "Anaïs", "anais" }, { "Gaëlle", "gaelle" }, { "Loïc", "loic" }, { "Benoît", "benoit" },
	{ "Cécile", "cecile" }, { "Amélie", "amelie" }, { "Théo", "theo" }, { "Inès", "ines" },
	{ "Maëlle", "maelle" }, { "Raphaël", "raphael" }, { "Joël", "joel" },
	{ "Cédric", "cedric" }, { "Éloïse", "eloise" }, { "Timothée", "timothee" },
	{ "Agnès", "agnes" }, { "Mathéo", "matheo" }, { "Céline", "celine" },
	{ "Jean-Noël", "jean-noel" }, { "Marie-Thérèse", "marie-therese" }, { "Sébastien", "sebastien" },
	{ "Océane", "oceane" }, { "Clément", "clement" }, { "Frédéric", "frederic" },
	{ "Camille", "camille" }, { "Louis", "louis" }, { "Manon", "manon" }, { "Hugo", "hugo" },
	{ "Nathalie", "nathalie" }, { "Karim", "karim" }, { "Fatoumata", "fatoumata" },
	{ "Yasmine", "yasmine" }, { "Thomas", "thomas" }, { "Sophie", "sophie" },
};
static const struct name FAMILY[] = {
	{ "Lefèvre", "lefevre" }, { "Béranger", "beranger" }, { "Gérard", "gerard" },
	{ "Dupré", "dupre" }, { "Létourneau", "letourneau" }, { "Mercier", "mercier" },
	{ "Chevalier", "chevalier" }, { "Lemaître", "lemaitre" }, { "Duchêne", "duchene" },
	{ "Faure", "faure" }, { "Rousseau", "rousseau" }, { "Hervé", "herve" },
	{ "Girard", "girard" }, { "Lévêque", "leveque" }, { "Deschênes", "deschenes" },
	{ "Ménard", "menard" }, { "Crémieux", "cremieux" }, { "Thévenin", "thevenin" },
	{ "Jégou", "jegou" }, { "Bézier", "bezier" }, { "Nguyen", "nguyen" },
	{ "Benali", "benali" }, { "Da Silva", "dasilva" }, { "Le Gall", "legall" },
	{ "Perrot", "perrot" }, { "Brossard", "brossard" }, { "Moreau", "moreau" },
	{ "Aubert", "aubert" }, { "Carré", "carre" }, { "Pâris", "paris" }, { "Noël", "noel" },
	{ "Besançon", "besancon" }, { "Marchand", "marchand" }, { "Traoré", "traore" },
	{ "Fontaine", "fontaine" }, { "Rivière", "riviere" }, { "Lambert", "lambert" },
	{ "Bonnefoy", "bonnefoy" }, { "Guérin", "guerin" }, { "Esposito", "esposito" },
	{ "Boulanger", "boulanger" }, { "Dubois", "dubois" }, { "Desmoulins", "desmoulins" },
};
#define NGIVEN (sizeof(GIVEN) / sizeof(GIVEN[0]))
#define NFAMILY (sizeof(FAMILY) / sizeof(FAMILY[0]))

static const char *const SERVICES[] = { "etat-civil", "affaires-scolaires", "urbanisme",
					"ccas", "voirie", "accueil" };
static const char *const SUBJECTS[] = {
	"Demande d'acte de naissance intégral", "Inscription scolaire en petite section",
	"Déclaration préalable de travaux (clôture)", "Aide au paiement de la cantine",
	"Nid-de-poule rue des Écoles", "Attestation d'accueil pour un visiteur étranger",
	"Renouvellement de carte d'identité", "Dérogation de secteur pour l'école Marie-Curie",
};
static const char *const SUMMARIES[] = {
	"Appel de la citoyenne : elle demande où en est son dossier, rappel promis sous 48 h.",
	"Courriel de relance pour la pièce manquante (justificatif de domicile de moins de 3 mois).",
	"Passage au guichet : dépôt du formulaire Cerfa signé et de la copie du livret de famille.",
	"SMS envoyé : « Votre rendez-vous est confirmé le mardi à 10 h, salle des mariages ».",
	"Échange par tchat : questions sur les horaires d'ouverture de la mairie annexe.",
	"Courrier reçu : réclamation au sujet de la facture de cantine du mois dernier.",
};
static const char *const CHANNELS[] = { "phone", "email", "counter", "sms", "chat", "letter" };
static const char *const STREETS[] = { "rue des Écoles", "avenue Jean-Jaurès", "place de l'Église",
				       "résidence Les Glycines", "chemin du Moulin", "rue Émile-Zola" };
static const char *const AGENTS[] = { "alice", "nadia", "sophie", "bruno" };

static uint64_t rng = 20261203;
static unsigned pick(unsigned n)
{
	rng = rng * 6364136223846793005u + 1442695040888963407u;
	return (unsigned)((rng >> 33) % n);
}

static const struct name *given_of(int id) { return &GIVEN[(unsigned)(id * 7 + id / 13) % NGIVEN]; }
static const struct name *family_of(int id) { return &FAMILY[(unsigned)(id * 11 + id / 7) % NFAMILY]; }

/* +336 and eight digits, a different number for each citizen. */
static void phone_of(int id, char out[16])
{
	snprintf(out, 16, "+336%08u", (unsigned)(10000000u + (unsigned)id * 45161u % 89999999u));
}

static void email_of(int id, char *out, size_t n)
{
	snprintf(out, n, "%s.%s%d@example.org", given_of(id)->mail, family_of(id)->mail, id);
}

static void iso(int64_t t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define T0 1767225600 /* 2026-01-01 */

static int citizen_of_case(int k) { return (k - 1) % CITIZENS + 1; }
static bool is_mine(int k) { return k % (CASES / MINE) == 0; }

/* A case as GET /api/v1/cases/{id} gives it. */
static json_t *make_case(int k)
{
	char ref[16], due[24], created[24];
	int c = citizen_of_case(k);
	char who[128];
	snprintf(ref, sizeof(ref), "2026-%06d", k);
	iso(T0 + (int64_t)k * 8000 + 86400 * 20, due);
	iso(T0 + (int64_t)k * 8000, created);
	snprintf(who, sizeof(who), "%s %s", given_of(c)->text, family_of(c)->text);
	return json_pack("{sI ss sI ss ss sn ss ss ss ss sn ss ss sn sI ss ss sn ss}",
			 "id", (json_int_t)k, "ref", ref, "citizen_id", (json_int_t)c,
			 "service", SERVICES[k % 6], "subject", SUBJECTS[k % 8], "description",
			 "status", is_mine(k) ? "open" : "pending-citizen", "priority",
			 k % 5 ? "normal" : "urgent", "assignee", is_mine(k) ? "alice" : AGENTS[k % 4],
			 "channel", CHANNELS[k % 6], "life_event", "due_at", due, "ack_due_at", due,
			 "acknowledged_at", "version", (json_int_t)1, "created_at", created,
			 "updated_at", created, "closed_at", "citizen_name", who);
}

/* A citizen as GET /api/v1/citizens/{id} gives it: the 360° view, with its cases. */
static json_t *make_citizen(int id)
{
	char phone[16], mail[160], addr[160], birth[16];
	phone_of(id, phone);
	email_of(id, mail, sizeof(mail));
	snprintf(addr, sizeof(addr), "%d %s, 45190 Saint-Aubin-sur-Loire", 1 + id % 120,
		 STREETS[id % 6]);
	snprintf(birth, sizeof(birth), "%d-%02d-%02d", 1935 + id % 70, 1 + id % 12, 1 + id % 28);
	json_t *cases = json_array();
	for (int k = id; k <= CASES; k += CITIZENS)
		json_array_append_new(cases, make_case(k));
	return json_pack("{sI ss ss s[s] s[s] ss ss ss s[sss] s[] sn sI ss ss so s[]}", "id",
			 (json_int_t)id, "given_name", given_of(id)->text, "family_name",
			 family_of(id)->text, "emails", mail, "phones", phone, "address", addr,
			 "birth_date", birth, "preferred_channel", CHANNELS[id % 6], "consents",
			 "sms", "phone", "survey", "tags", "merged_into", "version", (json_int_t)1,
			 "created_at", "2024-07-26T14:53:56Z", "updated_at", "2024-07-26T14:53:56Z",
			 "cases", cases, "surveys");
}

/* One line of a timeline, as GET /api/v1/citizens/{id}/timeline gives it. */
static json_t *make_item(int citizen, int n, int64_t *id)
{
	char at[24], ref[16], ext[64];
	int k = citizen; /* its case */
	int64_t i = ++*id;
	iso(T0 + 86400 * 330 - (int64_t)n * 3600 * 5 - citizen * 60, at);
	snprintf(ref, sizeof(ref), "2026-%06d", k);
	snprintf(ext, sizeof(ext), "<bench.%lld@mairie-saint-aubin.example>", (long long)i);
	const char *ch = CHANNELS[pick(6)];
	return json_pack("{ss sI ss ss ss ss ss sI ss ss sn sn ss? sn}", "kind", "interaction",
			 "id", (json_int_t)i, "at", at, "channel", ch, "direction",
			 pick(2) ? "in" : "out", "agent", AGENTS[pick(4)], "summary",
			 SUMMARIES[pick(6)], "case_id", (json_int_t)k, "case_ref", ref, "service",
			 SERVICES[k % 6], "event", "ended_at", "external_ref",
			 strcmp(ch, "email") == 0 ? ext : NULL, "data_json");
}

/* --- writing the cache --------------------------------------------------------------- */

static size_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* The whole cache, saved as a desk fills it: every record, then the
 * timelines a few dozen at a time (the store keeps STORE_LISTS_MAX lists;
 * the cache carries what the store let go), the work list last.  Returns
 * the time of the last save (ms) and the bytes of one timeline item. */
static double build_cache(const char *path, size_t *item_bytes)
{
	char err[600], q[48];
	struct cache_file_info info;
	struct cache *c = cache_open(path, KEY, (size_t)MAX_MB << 20, &info, err, sizeof(err));
	struct store *s = store_new();
	int64_t item_id = 0;
	size_t items = 0, bytes = 0;
	double last = 0;
	if (!c || !s)
		die("cache_open: %s", c ? "out of memory" : err);
	for (int id = 1; id <= CITIZENS; id++) /* (store_put takes NULL as no id) */
		if (store_put(s, STORE_CITIZEN, make_citizen(id)) != 1)
			die("store_put citizen %d", id);
	for (int k = 1; k <= CASES; k++)
		if (store_put(s, STORE_CASE, make_case(k)) != 1)
			die("store_put case %d", k);
	for (int id = 1; id <= CITIZENS; id++) {
		json_t *tl = json_array();
		for (int n = 0; n < PER_TIMELINE; n++) {
			json_t *it = make_item(id, n, &item_id);
			if (!it)
				die("a timeline item");
			if (items < 1000) {
				char *t = json_dumps(it, JSON_COMPACT);
				bytes += t ? strlen(t) : 0;
				free(t);
			}
			items++;
			json_array_append_new(tl, it);
		}
		snprintf(q, sizeof(q), "timeline:%d", id);
		if (store_list_set(s, q, tl, "") < 0)
			die("store_list_set %s", q);
		if (id % LISTS_PER_SAVE == 0 || id == CITIZENS) {
			if (id == CITIZENS) {
				json_t *mine = json_array();
				for (int k = 1; k <= CASES; k++)
					if (is_mine(k))
						json_array_append_new(mine, make_case(k));
				if (json_array_size(mine) != MINE || store_list_set(s, "mine", mine, "") < 0)
					die("the work list");
			}
			double t0 = now_ms();
			if (cache_save(c, s, time(NULL), err, sizeof(err)) < 0)
				die("cache_save: %s", err);
			last = now_ms() - t0;
		}
	}
	if (items != INTERACTIONS)
		die("%zu interactions made, not %d", items, INTERACTIONS);
	*item_bytes = bytes / 1000;
	store_free(s);
	cache_close(c);
	return last;
}

/* --- opening ------------------------------------------------------------------------ */

/* One opening as the desk's first screens need it, in this process: prints
 * "MS OPEN_MS HWM_KB BEFORE_KB RECORDS" (the whole, cache_open alone) and
 * checks what it read. */
static int open_once(const char *path)
{
	char err[600], q[48];
	struct cache_file_info info;
	if (sodium_init() < 0)
		die("sodium_init");
	long before = status_kb("VmHWM");
	double t0 = now_ms();
	struct cache *c = cache_open(path, KEY, (size_t)MAX_MB << 20, &info, err, sizeof(err));
	struct store *s = store_new();
	double t1 = now_ms();
	if (!c || !s)
		die("cache_open: %s", c ? "out of memory" : err);
	cache_attach(c, s);
	struct store_list *mine = store_list(s, "mine");
	json_t *cit = store_get(s, STORE_CITIZEN, TARGET);
	snprintf(q, sizeof(q), "timeline:%d", TARGET);
	struct store_list *tl = store_list(s, q);
	double ms = now_ms() - t0;
	if (info.set_aside || info.absent)
		die("the cache was %s", info.absent ? "not there" : info.why);
	if (!mine || json_array_size(mine->items) != MINE)
		die("the work list: %zu cases, not %d", mine ? json_array_size(mine->items) : 0, MINE);
	if (!cit || strcmp(jtext(cit, "given_name"), given_of(TARGET)->text) != 0)
		die("citizen %d not read back", TARGET);
	if (!tl || json_array_size(tl->items) != PER_TIMELINE)
		die("timeline %d: %zu items, not %d", TARGET, tl ? json_array_size(tl->items) : 0,
		    PER_TIMELINE);
	printf("%.3f %.3f %ld %ld %zu\n", ms, t1 - t0, status_kb("VmHWM"), before, cache_records(c));
	cache_detach(c, s);
	store_free(s);
	cache_close(c);
	return 0;
}

/* Run this program again with --open, a new process: its figures. */
static void open_child(const char *path, double *ms, double *open_ms, long *hwm, long *before,
		       size_t *records)
{
	int fd[2];
	char line[200];
	if (pipe(fd) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/proc/self/exe", "bench_cache", "--open", path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	int st;
	bool got = f && fgets(line, sizeof(line), f);
	if (f)
		fclose(f);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !got ||
	    sscanf(line, "%lf %lf %ld %ld %zu", ms, open_ms, hwm, before, records) != 5)
		die("the opening in a new process failed");
}

/* --- searching ---------------------------------------------------------------------- */

static bool finds(const json_t *hits, int id)
{
	size_t i;
	json_t *h;
	json_array_foreach(hits, i, h) if (jint(h, "id") == id) return true;
	return false;
}

/* A newly opened cache, attached to a new store. */
static struct cache *open_cache(const char *path, struct store **s)
{
	char err[600];
	struct cache_file_info info;
	struct cache *c = cache_open(path, KEY, (size_t)MAX_MB << 20, &info, err, sizeof(err));
	if (!c || !(*s = store_new()))
		die("cache_open: %s", c ? "out of memory" : err);
	cache_attach(c, *s);
	return c;
}

static void close_cache(struct cache *c, struct store *s)
{
	cache_detach(c, s);
	store_free(s);
	cache_close(c);
}

/* The first search of a newly opened cache; the first one after
 * cache_search_prepare (what the desk does while idle); then SEARCHES more. */
static void search(const char *path, const char *what, const char *query)
{
	double t[SEARCHES], first, prep, ready;
	struct store *s;
	struct cache *c = open_cache(path, &s);
	double t0 = now_ms();
	if (cache_search_prepare(c) < 0)
		die("cache_search_prepare: out of memory");
	prep = now_ms() - t0;
	t0 = now_ms();
	json_t *hits = cache_search(c, s, query, 50);
	ready = now_ms() - t0;
	json_decref(hits);
	close_cache(c, s);

	c = open_cache(path, &s);
	t0 = now_ms();
	hits = cache_search(c, s, query, 50);
	first = now_ms() - t0;
	if (!hits || !finds(hits, TARGET))
		die("search (%s) \"%s\" does not find citizen %d", what, query, TARGET);
	size_t n = json_array_size(hits);
	json_decref(hits);
	for (int i = 0; i < SEARCHES; i++) {
		t0 = now_ms();
		hits = cache_search(c, s, query, 50);
		t[i] = now_ms() - t0;
		if (!hits || !finds(hits, TARGET))
			die("search (%s) \"%s\": citizen %d lost the %dth time", what, query, TARGET, i + 2);
		json_decref(hits);
	}
	printf("cache search (%s): first %.1f ms, then %.2f ms (goal < 20 ms)\n"
	       "   (\"%s\": %zu found; median of %d; the first after cache_search_prepare,"
	       " %.1f ms at an idle moment: %.2f ms)\n",
	       what, first, median(t, SEARCHES), query, n, SEARCHES, prep, ready);
	close_cache(c, s);
}

/* --- the bench ---------------------------------------------------------------------- */

static char tmpdir[512];

static void remove_tmp(void)
{
	char p[600];
	snprintf(p, sizeof(p), "rm -rf '%s'", tmpdir);
	if (tmpdir[0] && system(p) != 0)
		fprintf(stderr, "cache bench: could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	char path[700], q[200], phone[16], mail[160];
	if (argc == 3 && strcmp(argv[1], "--open") == 0)
		return open_once(argv[2]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_cache [DIR]\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("sodium_init");
	if (argc == 2) {
		snprintf(path, sizeof(path), "%s/cache.db", argv[1]);
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/guichet-cache-bench.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir))
			die("mkdtemp: %s", strerror(errno));
		atexit(remove_tmp);
		snprintf(path, sizeof(path), "%s/cache.db", tmpdir);
	}
	unlink(path);

	printf("== offline cache: %d citizens, %d cases, %d in \"mine\", %d interactions in %d timelines\n",
	       CITIZENS, CASES, MINE, INTERACTIONS, CITIZENS);
	size_t item_bytes = 0;
	double t0 = now_ms();
	double last_save = build_cache(path, &item_bytes);
	double built = now_ms() - t0;
	size_t size = file_size(path);
	printf("built and saved in %.1f s (%d saves; the last one, of the whole cache: %.0f ms)\n",
	       built / 1e3, (CITIZENS + LISTS_PER_SAVE - 1) / LISTS_PER_SAVE, last_save);
	printf("cache file: %.1f MB (%zu bytes; %.0f bytes per interaction, an item is %zu bytes of JSON)\n",
	       size / 1048576.0, size, (double)size / INTERACTIONS, item_bytes);

	double ms[OPENS], open_ms[OPENS];
	long hwm = 0, before = 0, worst = 0;
	size_t records = 0;
	for (int i = 0; i < OPENS; i++) {
		open_child(path, &ms[i], &open_ms[i], &hwm, &before, &records);
		worst = hwm > worst ? hwm : worst;
	}
	printf("cache open %d interactions: %.1f ms (goal < 100 ms), peak RSS %.0f MB\n",
	       INTERACTIONS, median(ms, OPENS), worst / 1024.0);
	printf("   (median of %d, each in a new process, file in the page cache: cache_open %.1f ms,\n"
	       "    then \"mine\", citizen %d and its timeline decoded; %zu records; %.0f MB before opening)\n",
	       OPENS, median(open_ms, OPENS), TARGET, records, before / 1024.0);

	const struct name *g = given_of(TARGET), *f = family_of(TARGET);
	snprintf(q, sizeof(q), "%s %s", f->mail, g->mail);
	search(path, "name", q);
	phone_of(TARGET, phone);
	snprintf(q, sizeof(q), "0%c %c%c %c%c %c%c %c%c", phone[3], phone[4], phone[5], phone[6],
		 phone[7], phone[8], phone[9], phone[10], phone[11]);
	search(path, "phone", q);
	email_of(TARGET, mail, sizeof(mail));
	search(path, "mail", mail);
	snprintf(q, sizeof(q), "2026-%06d", TARGET);
	search(path, "case", q);
	return 0;
}
