/* Routing classifier (see classifier.h): keyword rules matched as whole
 * words or phrases of the accent-folded text, then a multinomial naive
 * Bayes model (Laplace smoothing, log space) over the folded words that are
 * not French stop words.  The vocabulary is an open-addressing hash table
 * of indexes into a dense array, so classifying costs one lookup per word
 * plus one addition per (word, service) count actually seen, and the model
 * serializes in learning order.  Everything is bounded: services, words,
 * counts, rules, text length; a model loaded from JSON is checked field by
 * field because the stored row may have been damaged or tampered with. */
#include "core/classifier.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define FORMAT_VERSION 1
#define MAX_RULES       10000
#define MAX_RULE_INPUT  1024   /* bytes of a rule as given */
#define MAX_RULE_BYTES  256    /* bytes of a rule once folded and normalised */
#define MAX_RULE_WORDS  16
#define MAX_WORD        64     /* longer "words" (URLs, hashes) are not learnt */
/* Counts stay far below INT64_MAX (no overflow when summed over services)
 * and exact as doubles. */
#define MAX_COUNT       ((int64_t)1 << 50)

struct count {
	uint32_t svc;   /* index into services */
	int64_t n;      /* occurrences of the word in that service's documents */
};

struct word {
	char *s;        /* owned, NUL-terminated */
	uint32_t len, hash;
	uint32_t n, cap;
	struct count *c; /* owned; one entry per service that used the word */
};

struct service {
	char slug[CLASSIFIER_MAX_SLUG + 1];
	int64_t docs;   /* documents learnt, >= 1 */
	int64_t words;  /* tokens learnt: the sum of the service's counts */
};

struct rule {
	char *given;    /* owned: as added, which is what is saved, so that a
			 * reload folds exactly what was folded before */
	char *phrase;   /* owned: folded words joined by single spaces */
	size_t len;
	unsigned nwords;
	uint32_t first; /* hash of the first word, to find candidates quickly */
	char service[CLASSIFIER_MAX_SLUG + 1];
};

struct classifier {
	struct rule *rules;      /* insertion order */
	uint32_t *order;         /* rule indexes sorted by first-word hash */
	size_t nrules, caprules;
	struct service svcs[CLASSIFIER_MAX_SERVICES];
	size_t nsvc;
	struct word *words;      /* dense, learning order */
	size_t nwords, capwords;
	uint32_t *slots;         /* 0 = empty, else word index + 1 */
	size_t nslots;           /* power of two, at least twice nwords */
};

/* ---- small helpers ------------------------------------------------------ */

static bool slug_ok(const char *s)
{
	if (!s)
		return false;
	size_t n = strnlen(s, CLASSIFIER_MAX_SLUG + 1);
	if (n == 0 || n > CLASSIFIER_MAX_SLUG)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

/* FNV-1a followed by a multiply-xorshift finaliser, so that the low bits
 * used by the table depend on every byte. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15u;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* Length of the part of text that is used: at most CLASSIFIER_MAX_TEXT
 * bytes, backed up so that the cut does not split a UTF-8 character. */
static size_t used_length(const char *text)
{
	size_t n = strnlen(text, (size_t)CLASSIFIER_MAX_TEXT + 1);
	if (n <= CLASSIFIER_MAX_TEXT)
		return n;
	n = CLASSIFIER_MAX_TEXT;
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Fold the used part of text; NULL when it is not UTF-8 or out of memory.
 * The caller frees the result. */
static char *fold_input(const char *text)
{
	size_t n = used_length(text);
	if (!text_utf8_valid(text, n))
		return NULL;
	return text_fold(text, n);
}

/* ---- words ------------------------------------------------------------- */

/* Letters and digits in any script.  Folding has already lowercased and
 * stripped Latin accents, so beyond ASCII this only needs to exclude the
 * punctuation, spaces and symbols that French text carries (guillemets,
 * no-break spaces, typographic quotes and dashes, currency, emoji). */
static bool word_cp(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       (cp >= '0' && cp <= '9');
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
		return false;
	if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	    (cp >= 0xFF01 && cp <= 0xFF0F) || cp == 0xFEFF || cp == 0xFFFD ||
	    (cp >= 0xE000 && cp <= 0xF8FF))
		return false;
	if ((cp >= 0x1F000 && cp <= 0x1FAFF) || cp >= 0xE0000)
		return false;
	return true;
}

struct span {
	size_t off, len;  /* bytes */
	size_t chars;     /* code points */
	uint32_t hash;
};

/* Find the next run of word characters at or after *pos in s[0..len). */
static bool next_word(const char *s, size_t len, size_t *pos, struct span *w)
{
	size_t i = *pos, n;
	uint32_t cp;
	for (; i < len; i += n) {
		n = text_utf8_decode(s + i, len - i, &cp);
		if (word_cp(cp))
			break;
	}
	if (i >= len) {
		*pos = len;
		return false;
	}
	w->off = i;
	w->chars = 0;
	for (; i < len; i += n, w->chars++) {
		n = text_utf8_decode(s + i, len - i, &cp);
		if (!word_cp(cp))
			break;
	}
	w->len = i - w->off;
	*pos = i;
	return true;
}

/* Words too common in requests to say anything about the service; folded,
 * sorted bytewise for bsearch.  One-letter words (a, y, l, d...) are
 * dropped by length anyway. */
static const char *const STOP_WORDS[] = {
	"ai", "aie", "ainsi", "alors", "as", "au", "aucun", "aussi", "autre", "aux", "avais",
	"avait", "avec", "avez", "avoir", "avons", "bien", "bonjour", "bonne", "bonsoir", "ca",
	"car", "ce", "cela", "celle", "celui", "ces", "cet", "cette", "ceux", "chez", "ci",
	"comme", "comment", "cordialement", "dans", "de", "deja", "des", "donc", "du", "elle",
	"elles", "en", "encore", "est", "et", "etais", "etait", "etc", "ete", "etes", "etre",
	"eu", "faire", "fait", "faut", "il", "ils", "je", "la", "le", "les", "leur", "leurs",
	"lui", "ma", "madame", "mais", "me", "merci", "mes", "mme", "moi", "mon", "monsieur",
	"mr", "ne", "ni", "nos", "notre", "nous", "on", "ont", "ou", "par", "pas", "peu",
	"peut", "peux", "plus", "pour", "pourquoi", "pourrais", "pouvez", "qu", "quand", "que",
	"quel", "quelle", "quelles", "quels", "qui", "quoi", "sa", "salutations", "sans", "se",
	"ses", "si", "sont", "souhaite", "souhaiterais", "suis", "sur", "svp", "ta", "te",
	"tes", "toi", "ton", "tous", "tout", "toute", "toutes", "tres", "tu", "un", "une",
	"vos", "votre", "voudrais", "vous",
};

struct key {
	const char *s;
	size_t n;
};

static int stop_cmp(const void *k, const void *e)
{
	const struct key *a = k;
	const char *b = *(const char *const *)e;
	size_t bn = strlen(b);
	int r = memcmp(a->s, b, a->n < bn ? a->n : bn);
	if (r)
		return r;
	return a->n < bn ? -1 : a->n > bn;
}

static bool stop_word(const char *s, size_t n)
{
	struct key k = { s, n };
	return bsearch(&k, STOP_WORDS, sizeof(STOP_WORDS) / sizeof(STOP_WORDS[0]),
		       sizeof(STOP_WORDS[0]), stop_cmp) != NULL;
}

/* folded may be NULL (nothing is called).  The words passed to fn point
 * into folded and are not NUL-terminated. */
void classifier_tokens(const char *folded, void (*fn)(const char *w, size_t n, void *arg),
		       void *arg)
{
	if (!folded || !fn)
		return;
	size_t len = strlen(folded), pos = 0;
	struct span w;
	while (next_word(folded, len, &pos, &w)) {
		if (w.chars >= 2 && !stop_word(folded + w.off, w.len))
			fn(folded + w.off, w.len, arg);
	}
}

/* ---- model lifetime ------------------------------------------------------ */

struct classifier *classifier_new(void)
{
	return calloc(1, sizeof(struct classifier));
}

/* Leaves w empty, so freeing twice is harmless. */
static void word_free(struct word *w)
{
	free(w->s);
	free(w->c);
	w->s = NULL;
	w->c = NULL;
}

void classifier_free(struct classifier *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrules; i++) {
		free(c->rules[i].given);
		free(c->rules[i].phrase);
	}
	free(c->rules);
	free(c->order);
	for (size_t i = 0; i < c->nwords; i++)
		word_free(&c->words[i]);
	free(c->words);
	free(c->slots);
	free(c);
}

/* ---- vocabulary ----------------------------------------------------------- */

/* Index of the word, or -1. */
static long vocab_find(const struct classifier *c, const char *s, size_t n, uint32_t h)
{
	if (!c->nslots)
		return -1;
	size_t mask = c->nslots - 1;
	/* The table is at most half full, so an empty slot ends every probe. */
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t v = c->slots[i];
		if (!v)
			return -1;
		const struct word *w = &c->words[v - 1];
		if (w->hash == h && w->len == n && memcmp(w->s, s, n) == 0)
			return (long)(v - 1);
	}
}

static void slot_place(uint32_t *slots, size_t nslots, uint32_t h, size_t idx)
{
	size_t mask = nslots - 1, i = h & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = (uint32_t)(idx + 1);
}

/* Make room for `want` words in total without changing the model's
 * meaning (growing and rehashing are invisible), so that the insertions
 * that follow cannot fail.  Returns 0 or -1 (out of memory). */
static int vocab_reserve(struct classifier *c, size_t want)
{
	if (want > c->capwords) {
		size_t cap = c->capwords ? c->capwords : 64;
		while (cap < want)
			cap *= 2;
		struct word *w = realloc(c->words, cap * sizeof(*w));
		if (!w)
			return -1;
		c->words = w;
		c->capwords = cap;
	}
	size_t ns = c->nslots ? c->nslots : 128;
	while (ns < want * 2)
		ns *= 2;
	if (ns == c->nslots)
		return 0;
	uint32_t *slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < c->nwords; i++)
		slot_place(slots, ns, c->words[i].hash, i);
	free(c->slots);
	c->slots = slots;
	c->nslots = ns;
	return 0;
}

/* Append a word (ownership of its buffers moves to the model); room must
 * have been reserved. */
static void vocab_insert(struct classifier *c, const struct word *w)
{
	c->words[c->nwords] = *w;
	slot_place(c->slots, c->nslots, w->hash, c->nwords);
	c->nwords++;
}

static struct count *word_count(const struct word *w, size_t svc)
{
	for (uint32_t i = 0; i < w->n; i++)
		if (w->c[i].svc == svc)
			return &w->c[i];
	return NULL;
}

/* Room for one more service entry in w; 0 or -1. */
static int word_reserve(struct word *w)
{
	if (w->n < w->cap)
		return 0;
	uint32_t cap = w->cap ? w->cap * 2 : 2;
	if (cap > CLASSIFIER_MAX_SERVICES)
		cap = CLASSIFIER_MAX_SERVICES;
	struct count *nc = realloc(w->c, cap * sizeof(*nc));
	if (!nc)
		return -1;
	w->c = nc;
	w->cap = cap;
	return 0;
}

/* A new word owning a copy of s[0..n) with one entry (svc, count);
 * 0 or -1 (out of memory, nothing allocated). */
static int word_make(struct word *w, const char *s, size_t n, uint32_t h, size_t svc,
		     int64_t count)
{
	memset(w, 0, sizeof(*w));
	w->s = malloc(n + 1);
	w->c = malloc(sizeof(*w->c));
	if (!w->s || !w->c) {
		word_free(w);
		return -1;
	}
	memcpy(w->s, s, n);
	w->s[n] = '\0';
	w->len = (uint32_t)n;
	w->hash = h;
	w->n = w->cap = 1;
	w->c[0].svc = (uint32_t)svc;
	w->c[0].n = count;
	return 0;
}

static long service_find(const struct classifier *c, const char *slug)
{
	for (size_t i = 0; i < c->nsvc; i++)
		if (strcmp(c->svcs[i].slug, slug) == 0)
			return (long)i;
	return -1;
}

/* ---- rules ---------------------------------------------------------------- */

/* The folded words of s joined by single spaces, so that "Nid-de-poule"
 * and "nid  de poule" give the same phrase.  Returns a malloc'd string
 * (caller frees) and its word count, or NULL (out of memory). */
static char *phrase_normalise(const char *folded, unsigned *nwords, size_t *plen)
{
	size_t len = strlen(folded), pos = 0, o = 0;
	char *out = malloc(len + 1);
	struct span w;
	if (!out)
		return NULL;
	*nwords = 0;
	while (next_word(folded, len, &pos, &w)) {
		if (o)
			out[o++] = ' ';
		memcpy(out + o, folded + w.off, w.len);
		o += w.len;
		(*nwords)++;
	}
	out[o] = '\0';
	*plen = o;
	return out;
}

static size_t first_word_len(const char *phrase)
{
	const char *sp = strchr(phrase, ' ');
	return sp ? (size_t)(sp - phrase) : strlen(phrase);
}

static int rules_reserve(struct classifier *c)
{
	if (c->nrules < c->caprules)
		return 0;
	size_t cap = c->caprules ? c->caprules * 2 : 16;
	struct rule *r = realloc(c->rules, cap * sizeof(*r));
	if (!r)
		return -1;
	c->rules = r;
	uint32_t *o = realloc(c->order, cap * sizeof(*o));
	if (!o)
		return -1; /* rules grew but caprules did not: harmless, retried */
	c->order = o;
	c->caprules = cap;
	return 0;
}

/* Insert rule index idx into order, after the rules with the same hash. */
static void order_insert(struct classifier *c, size_t idx)
{
	uint32_t h = c->rules[idx].first;
	size_t lo = 0, hi = c->nrules;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->rules[c->order[mid]].first <= h)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(c->order + lo + 1, c->order + lo, (c->nrules - lo) * sizeof(*c->order));
	c->order[lo] = (uint32_t)idx;
}

/* First position in order whose rule's first-word hash is h. */
static size_t order_lower(const struct classifier *c, uint32_t h)
{
	size_t lo = 0, hi = c->nrules;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->rules[c->order[mid]].first < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool rule_exists(const struct classifier *c, const char *phrase, uint32_t first)
{
	for (size_t k = order_lower(c, first); k < c->nrules && c->rules[c->order[k]].first == first;
	     k++)
		if (strcmp(c->rules[c->order[k]].phrase, phrase) == 0)
			return true;
	return false;
}

/* The phrase is folded and normalised here; the model keeps its own copy.
 * A phrase already present (for any service) is accepted and ignored: the
 * earlier rule would win every tie anyway.  -1 for a NULL or empty word,
 * a bad slug, a phrase past the bounds, too many rules, out of memory. */
int classifier_add_rule(struct classifier *c, const char *word, const char *service)
{
	if (!c || !word || !slug_ok(service))
		return -1;
	size_t n = strnlen(word, MAX_RULE_INPUT + 1);
	if (n > MAX_RULE_INPUT || !text_utf8_valid(word, n))
		return -1;
	char *folded = text_fold(word, n), *phrase = NULL, *given = NULL;
	unsigned nw = 0;
	size_t plen = 0;
	int rc = -1;
	if (!folded || !(phrase = phrase_normalise(folded, &nw, &plen)))
		goto out;
	if (nw == 0 || nw > MAX_RULE_WORDS || plen > MAX_RULE_BYTES)
		goto out;
	uint32_t first = hash_bytes(phrase, first_word_len(phrase));
	if (rule_exists(c, phrase, first)) {
		rc = 0;
		goto out;
	}
	if (c->nrules >= MAX_RULES || rules_reserve(c) != 0 || !(given = strndup(word, n)))
		goto out;
	struct rule *r = &c->rules[c->nrules];
	r->given = given;
	r->phrase = phrase;
	r->len = plen;
	r->nwords = nw;
	r->first = first;
	strcpy(r->service, service);
	phrase = given = NULL;
	order_insert(c, c->nrules);
	c->nrules++;
	rc = 0;
out:
	free(given);
	free(phrase);
	free(folded);
	return rc;
}

/* All the words of folded text (stop words included: rules are exact
 * phrases), with their hashes.  Returns a malloc'd array (caller frees)
 * and its length, or NULL with *n = 0 when there are none or out of
 * memory (*oom tells which). */
static struct span *all_words(const char *folded, size_t *n, bool *oom)
{
	size_t len = strlen(folded), pos = 0, k = 0;
	struct span w;
	*n = 0;
	*oom = false;
	while (next_word(folded, len, &pos, &w))
		k++;
	if (!k)
		return NULL;
	struct span *v = malloc(k * sizeof(*v));
	if (!v) {
		*oom = true;
		return NULL;
	}
	for (pos = 0, k = 0; next_word(folded, len, &pos, &v[k]); k++)
		v[k].hash = hash_bytes(folded + v[k].off, v[k].len);
	*n = k;
	return v;
}

static bool phrase_at(const struct rule *r, const char *text, const struct span *w, size_t nw)
{
	if (nw < r->nwords)
		return false;
	const char *p = r->phrase;
	for (unsigned k = 0; k < r->nwords; k++) {
		size_t pl = first_word_len(p);
		if (w[k].len != pl || memcmp(text + w[k].off, p, pl) != 0)
			return false;
		p += pl + 1;
	}
	return true;
}

/* More specific first: more words, then a longer phrase, then the earlier
 * rule. */
static bool rule_better(const struct classifier *c, size_t a, long b)
{
	if (b < 0)
		return true;
	const struct rule *ra = &c->rules[a], *rb = &c->rules[b];
	if (ra->nwords != rb->nwords)
		return ra->nwords > rb->nwords;
	if (ra->len != rb->len)
		return ra->len > rb->len;
	return a < (size_t)b;
}

/* Index of the best matching rule, -1 for none, -2 when out of memory. */
static long rules_best(const struct classifier *c, const char *folded)
{
	size_t nw;
	bool oom;
	struct span *w = all_words(folded, &nw, &oom);
	if (oom)
		return -2;
	long best = -1;
	for (size_t i = 0; i < nw; i++) {
		for (size_t k = order_lower(c, w[i].hash);
		     k < c->nrules && c->rules[c->order[k]].first == w[i].hash; k++) {
			size_t r = c->order[k];
			if (phrase_at(&c->rules[r], folded, w + i, nw - i) && rule_better(c, r, best))
				best = (long)r;
		}
	}
	free(w);
	return best;
}

/* ---- learning ------------------------------------------------------------- */

struct tok {
	const char *s;
	uint32_t len, hash;
	long idx;       /* word index once looked up, -1 for a new word */
};

struct toks {
	struct tok *v;
	size_t n, cap;
	bool oom;
};

static void collect(const char *w, size_t n, void *arg)
{
	struct toks *t = arg;
	if (n > MAX_WORD || t->oom)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tok *v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			t->oom = true;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tok){ w, (uint32_t)n, hash_bytes(w, n), -1 };
}

static int tok_cmp(const void *x, const void *y)
{
	const struct tok *a = x, *b = y;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->s, b->s, a->len);
}

/* End of the group of identical tokens starting at i (tokens are sorted). */
static size_t group_end(const struct toks *t, size_t i)
{
	size_t j = i + 1;
	while (j < t->n && tok_cmp(&t->v[i], &t->v[j]) == 0)
		j++;
	return j;
}

/* Look every distinct token up; returns how many are new words. */
static size_t mark_known(const struct classifier *c, struct toks *t)
{
	size_t fresh = 0;
	for (size_t i = 0; i < t->n; i = group_end(t, i)) {
		t->v[i].idx = vocab_find(c, t->v[i].s, t->v[i].len, t->v[i].hash);
		fresh += t->v[i].idx < 0;
	}
	return fresh;
}

/* Everything that can fail, done before the model changes: room in the
 * table, in the known words' entries, and the new words themselves
 * (returned in *fresh, which the caller frees with free_fresh on error). */
static int learn_prepare(struct classifier *c, struct toks *t, size_t svc, size_t nfresh,
			 struct word **fresh)
{
	if (vocab_reserve(c, c->nwords + nfresh) != 0)
		return -1;
	*fresh = nfresh ? calloc(nfresh, sizeof(**fresh)) : NULL;
	if (nfresh && !*fresh)
		return -1;
	size_t k = 0;
	for (size_t i = 0, j; i < t->n; i = j) {
		j = group_end(t, i);
		const struct tok *tk = &t->v[i];
		if (tk->idx >= 0) {
			struct word *w = &c->words[tk->idx];
			if (!word_count(w, svc) && word_reserve(w) != 0)
				return -1;
		} else if (word_make(&(*fresh)[k++], tk->s, tk->len, tk->hash, svc,
				     (int64_t)(j - i)) != 0) {
			return -1;
		}
	}
	return 0;
}

static void free_fresh(struct word *fresh, size_t n)
{
	for (size_t i = 0; fresh && i < n; i++)
		word_free(&fresh[i]);
	free(fresh);
}

/* The part that cannot fail. */
static void learn_commit(struct classifier *c, const struct toks *t, size_t svc,
			 const char *slug, struct word *fresh)
{
	if (svc == c->nsvc) {
		strcpy(c->svcs[svc].slug, slug);
		c->svcs[svc].docs = c->svcs[svc].words = 0;
		c->nsvc++;
	}
	c->svcs[svc].docs++;
	c->svcs[svc].words += (int64_t)t->n;
	size_t k = 0;
	for (size_t i = 0, j; i < t->n; i = j) {
		j = group_end(t, i);
		if (t->v[i].idx < 0) {
			vocab_insert(c, &fresh[k++]);
			continue;
		}
		struct word *w = &c->words[t->v[i].idx];
		struct count *e = word_count(w, svc);
		if (!e) {
			e = &w->c[w->n++];
			*e = (struct count){ (uint32_t)svc, 0 };
		}
		e->n += (int64_t)(j - i);
	}
}

/* All or nothing: on -1 the model is unchanged.  A text with a word the
 * model has never seen is refused once the vocabulary holds
 * CLASSIFIER_MAX_VOCAB words (rather than learning it partially, which
 * would skew the service's counts).  Words over MAX_WORD bytes are
 * skipped. */
int classifier_learn(struct classifier *c, const char *text, const char *service)
{
	if (!c || !text || !slug_ok(service))
		return -1;
	int rc = -1;
	struct toks t = { 0 };
	struct word *fresh = NULL;
	size_t nfresh = 0;
	char *folded = fold_input(text);
	if (!folded)
		goto out;
	classifier_tokens(folded, collect, &t);
	long found = service_find(c, service);
	size_t svc = found < 0 ? c->nsvc : (size_t)found;
	if (t.oom || svc >= CLASSIFIER_MAX_SERVICES)
		goto out;
	if (found >= 0 && (c->svcs[svc].docs >= MAX_COUNT ||
			   (int64_t)t.n > MAX_COUNT - c->svcs[svc].words))
		goto out;
	if (t.n)
		qsort(t.v, t.n, sizeof(*t.v), tok_cmp);
	nfresh = mark_known(c, &t);
	if (nfresh > CLASSIFIER_MAX_VOCAB - c->nwords ||
	    learn_prepare(c, &t, svc, nfresh, &fresh) != 0)
		goto out;
	learn_commit(c, &t, svc, service, fresh);
	nfresh = 0; /* the words now belong to the model */
	rc = 0;
out:
	free_fresh(fresh, nfresh);
	free(t.v);
	free(folded);
	return rc;
}

/* ---- classification ------------------------------------------------------- */

struct bayes {
	const struct classifier *c;
	double score[CLASSIFIER_MAX_SERVICES];
	int64_t known;  /* tokens of the text that are in the vocabulary */
};

/* Only the services that used the word get log(count + 1); the others get
 * log(1) = 0, so the cost is the word's entries, not all services. */
static void bayes_token(const char *s, size_t n, void *arg)
{
	struct bayes *b = arg;
	if (n > MAX_WORD)
		return;
	long i = vocab_find(b->c, s, n, hash_bytes(s, n));
	if (i < 0)
		return; /* unseen words say nothing about any service */
	const struct word *w = &b->c->words[i];
	b->known++;
	for (uint32_t k = 0; k < w->n; k++)
		b->score[w->c[k].svc] += log1p((double)w->c[k].n);
}

/* Service "" when no word of the text has been learnt: the priors alone
 * are no reason to route a request anywhere. */
static void bayes_classify(const struct classifier *c, const char *folded,
			   struct classifier_result *out)
{
	struct bayes b = { .c = c };
	classifier_tokens(folded, bayes_token, &b);
	if (!b.known || !c->nsvc)
		return;
	double total = 0, vocab = (double)c->nwords;
	for (size_t s = 0; s < c->nsvc; s++)
		total += (double)c->svcs[s].docs;
	size_t best = 0;
	for (size_t s = 0; s < c->nsvc; s++) {
		const struct service *sv = &c->svcs[s];
		b.score[s] += log((double)sv->docs / total) -
			      (double)b.known * log((double)sv->words + vocab);
		if (b.score[s] > b.score[best])
			best = s;
	}
	/* Posterior of the best: 1 / sum(exp(score - best)), which cannot
	 * overflow since every exponent is <= 0. */
	double sum = 0;
	for (size_t s = 0; s < c->nsvc; s++)
		sum += exp(b.score[s] - b.score[best]);
	strcpy(out->service, c->svcs[best].slug);
	out->confidence = 1.0 / sum;
}

/* Only reads the model, so concurrent calls are safe.  -1 also when out
 * of memory (out is then cleared, like on bad input). */
int classifier_classify(const struct classifier *c, const char *text,
			struct classifier_result *out)
{
	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!c || !text)
		return -1;
	char *folded = fold_input(text);
	if (!folded)
		return -1;
	long r = c->nrules ? rules_best(c, folded) : -1;
	if (r >= 0) {
		strcpy(out->service, c->rules[r].service);
		out->confidence = 1.0;
		out->by_rule = 1;
	} else if (r == -1) {
		bayes_classify(c, folded, out);
	}
	free(folded);
	return r == -2 ? -1 : 0;
}

/* ---- JSON ----------------------------------------------------------------- */
/* {"version":1,
 *  "rules":[{"word":"nid de poule","service":"voirie"}, ...],
 *  "services":[{"slug":"voirie","docs":12,"words":85}, ...],
 *  "counts":{"trottoir":[[0,3],[2,1]], ...}}
 * rules in insertion order, words as they were added; services in learning order,
 * their index being what counts refer to; each counts entry is
 * [service index, occurrences >= 1], and a service's "words" is the sum of
 * its occurrences. */

/* jansson's *_set_new and *_append_new take the value even when they
 * fail, and fail on a NULL value, so out of memory anywhere below yields
 * NULL without a leak. */
static json_t *rule_json(const struct rule *r)
{
	json_t *o = json_object();
	if (o && !json_object_set_new(o, "word", json_string(r->given)) &&
	    !json_object_set_new(o, "service", json_string(r->service)))
		return o;
	json_decref(o);
	return NULL;
}

static json_t *rules_json(const struct classifier *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->nrules; i++) {
		if (json_array_append_new(a, rule_json(&c->rules[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *services_json(const struct classifier *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->nsvc; i++) {
		const struct service *s = &c->svcs[i];
		if (json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "slug", s->slug, "docs",
						       (json_int_t)s->docs, "words",
						       (json_int_t)s->words))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *word_json(const struct word *w)
{
	json_t *a = json_array();
	for (uint32_t k = 0; a && k < w->n; k++) {
		if (json_array_append_new(a, json_pack("[I,I]", (json_int_t)w->c[k].svc,
						       (json_int_t)w->c[k].n))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *counts_json(const struct classifier *c)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < c->nwords; i++) {
		const struct word *w = &c->words[i];
		if (json_object_setn_new(o, w->s, w->len, word_json(w))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* A new object the caller owns, or NULL (out of memory). */
json_t *classifier_to_json(const struct classifier *c)
{
	if (!c)
		return NULL;
	json_t *o = json_object();
	if (!o || json_object_set_new(o, "version", json_integer(FORMAT_VERSION)) ||
	    json_object_set_new(o, "rules", rules_json(c)) ||
	    json_object_set_new(o, "services", services_json(c)) ||
	    json_object_set_new(o, "counts", counts_json(c))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* True when object o has exactly the n keys named in keys. */
static bool keys_exactly(const json_t *o, const char *const *keys, size_t n)
{
	if (!json_is_object(o) || json_object_size(o) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(o, keys[i]))
			return false;
	return true;
}

static bool int_in(const json_t *j, int64_t lo, int64_t hi, int64_t *v)
{
	if (!json_is_integer(j))
		return false;
	*v = json_integer_value(j);
	return *v >= lo && *v <= hi;
}

/* A JSON string that holds no NUL byte. */
static const char *plain_string(const json_t *j)
{
	const char *s = json_string_value(j);
	return s && strlen(s) == json_string_length(j) ? s : NULL;
}

static int load_services(struct classifier *c, const json_t *a, const char **why)
{
	static const char *const keys[] = { "slug", "docs", "words" };
	size_t i;
	const json_t *s;
	*why = "services: not an array of at most 256";
	if (!json_is_array(a) || json_array_size(a) > CLASSIFIER_MAX_SERVICES)
		return -1;
	json_array_foreach(a, i, s) {
		struct service *sv = &c->svcs[i];
		const char *slug = plain_string(json_object_get(s, "slug"));
		*why = "services: each needs exactly slug, docs, words";
		if (!keys_exactly(s, keys, 3))
			return -1;
		*why = "services: bad or repeated slug";
		if (!slug_ok(slug) || service_find(c, slug) >= 0)
			return -1;
		*why = "services: docs must be 1.. and words 0.. (bounded)";
		if (!int_in(json_object_get(s, "docs"), 1, MAX_COUNT, &sv->docs) ||
		    !int_in(json_object_get(s, "words"), 0, MAX_COUNT, &sv->words))
			return -1;
		strcpy(sv->slug, slug);
		c->nsvc++;
	}
	return 0;
}

static int load_rules(struct classifier *c, const json_t *a, const char **why)
{
	static const char *const keys[] = { "word", "service" };
	size_t i;
	const json_t *r;
	*why = "rules: not an array of at most 10000";
	if (!json_is_array(a) || json_array_size(a) > MAX_RULES)
		return -1;
	json_array_foreach(a, i, r) {
		const char *w = plain_string(json_object_get(r, "word"));
		const char *s = plain_string(json_object_get(r, "service"));
		*why = "rules: each needs exactly word and service strings";
		if (!keys_exactly(r, keys, 2) || !w || !s)
			return -1;
		*why = "rules: bad rule (empty, too long, bad service slug)";
		if (classifier_add_rule(c, w, s) != 0)
			return -1;
	}
	return 0;
}

struct single {
	const char *s;
	size_t n;
	int seen;
};

/* Counts 1 for a token that is the whole word, 2 for anything else. */
static void single_token(const char *w, size_t n, void *arg)
{
	struct single *o = arg;
	o->seen += (w == o->s && n == o->n) ? 1 : 2;
}

/* A vocabulary word must be exactly what learning would have stored: one
 * whole token of folded text (s is NUL-terminated at n). */
static bool vocab_word_ok(const char *s, size_t n)
{
	if (n == 0 || n > MAX_WORD || strlen(s) != n || !text_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return false;
	struct single o = { s, n, 0 };
	classifier_tokens(s, single_token, &o);
	return o.seen == 1;
}

/* One word's entries, checked and added to the running sums. */
static int load_entries(const struct classifier *c, const json_t *a, struct count *out,
			int64_t *sums, uint32_t *seen, uint32_t stamp)
{
	size_t i;
	const json_t *p;
	json_array_foreach(a, i, p) {
		int64_t s, n;
		if (!json_is_array(p) || json_array_size(p) != 2 ||
		    !int_in(json_array_get(p, 0), 0, (int64_t)c->nsvc - 1, &s) ||
		    !int_in(json_array_get(p, 1), 1, MAX_COUNT, &n) || seen[s] == stamp)
			return -1;
		seen[s] = stamp;
		sums[s] += n;
		if (sums[s] > c->svcs[s].words)
			return -1;
		out[i] = (struct count){ (uint32_t)s, n };
	}
	return 0;
}

/* Add one word from the counts object; -1 with *why set. */
static int load_word(struct classifier *c, const char *key, size_t klen, const json_t *a,
		     int64_t *sums, uint32_t *seen, const char **why)
{
	*why = "counts: bad word";
	if (!vocab_word_ok(key, klen))
		return -1;
	uint32_t h = hash_bytes(key, klen);
	*why = "counts: repeated word";
	if (vocab_find(c, key, klen, h) >= 0)
		return -1;
	*why = "counts: each word needs 1..services [index, count>=1] pairs";
	size_t n = json_array_size(a);
	if (!json_is_array(a) || n == 0 || n > c->nsvc)
		return -1;
	struct word w;
	*why = "out of memory";
	if (vocab_reserve(c, c->nwords + 1) != 0 || word_make(&w, key, klen, h, 0, 0) != 0)
		return -1;
	struct count *nc = realloc(w.c, n * sizeof(*nc));
	if (!nc) {
		word_free(&w);
		return -1;
	}
	w.c = nc;
	w.n = w.cap = (uint32_t)n;
	*why = "counts: bad, repeated or inconsistent [index, count] pair";
	if (load_entries(c, a, w.c, sums, seen, (uint32_t)c->nwords + 1) != 0) {
		word_free(&w);
		return -1;
	}
	vocab_insert(c, &w);
	return 0;
}

static int load_counts(struct classifier *c, const json_t *o, const char **why)
{
	int64_t sums[CLASSIFIER_MAX_SERVICES] = { 0 };
	uint32_t seen[CLASSIFIER_MAX_SERVICES] = { 0 };
	const char *key;
	size_t klen;
	json_t *a;
	*why = "counts: not an object of at most 200000 words";
	if (!json_is_object(o) || json_object_size(o) > CLASSIFIER_MAX_VOCAB)
		return -1;
	/* The macro wants a non-const object; nothing is modified. */
	json_t *obj = (json_t *)o;
	json_object_keylen_foreach(obj, key, klen, a) {
		if (load_word(c, key, klen, a, sums, seen, why) != 0)
			return -1;
	}
	*why = "counts: a service's words is not the sum of its counts";
	for (size_t s = 0; s < c->nsvc; s++)
		if (sums[s] != c->svcs[s].words)
			return -1;
	return 0;
}

/* Returns a model the caller frees, or NULL with *err (if err is not
 * NULL) set to a static message.  j is only read. */
struct classifier *classifier_from_json(const json_t *j, const char **err)
{
	static const char *const keys[] = { "version", "rules", "services", "counts" };
	const char *why = "model: needs exactly version, rules, services, counts";
	struct classifier *c = NULL;
	int64_t version;
	if (!keys_exactly(j, keys, 4))
		goto fail;
	why = "version: unsupported";
	if (!int_in(json_object_get(j, "version"), FORMAT_VERSION, FORMAT_VERSION, &version))
		goto fail;
	why = "out of memory";
	if (!(c = classifier_new()))
		goto fail;
	if (load_services(c, json_object_get(j, "services"), &why) != 0 ||
	    load_rules(c, json_object_get(j, "rules"), &why) != 0 ||
	    load_counts(c, json_object_get(j, "counts"), &why) != 0)
		goto fail;
	return c;
fail:
	classifier_free(c);
	if (err)
		*err = why;
	return NULL;
}
