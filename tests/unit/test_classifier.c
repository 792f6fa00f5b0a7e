/* Unit tests: the routing classifier.  Keyword rules (accents, whole words,
 * the most specific phrase), naive Bayes learning from French requests,
 * the JSON form and its validation, the bounds, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/classifier.h"

/* Classify and return the service (static buffer of the last result). */
static struct classifier_result res;

static const char *route(const struct classifier *c, const char *text)
{
	assert_int_equal(classifier_classify(c, text, &res), 0);
	return res.service;
}

static void test_rule_accents(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	assert_non_null(c);
	assert_int_equal(classifier_add_rule(c, "état civil", "etat-civil"), 0);
	assert_int_equal(classifier_add_rule(c, "Acte de naissance", "etat-civil"), 0);
	assert_string_equal(route(c, "Question pour l'ETAT CIVIL"), "etat-civil");
	assert_int_equal(res.by_rule, 1);
	assert_true(res.confidence == 1.0);
	/* the apostrophe of d'acte separates words like a space */
	assert_string_equal(route(c, "Demande d'acte de naissance"), "etat-civil");
	assert_string_equal(route(c, "Le service de l'état-civil"), "etat-civil");
	assert_string_equal(route(c, "État"), "");
	assert_int_equal(res.by_rule, 0);
	assert_true(res.confidence == 0.0);
	classifier_free(c);
}

static void test_rule_whole_words(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	assert_int_equal(classifier_add_rule(c, "poule", "ferme"), 0);
	assert_int_equal(classifier_add_rule(c, "nid de poule", "voirie"), 0);
	assert_string_equal(route(c, "Il y a un nid de poule rue Victor Hugo"), "voirie");
	assert_string_equal(route(c, "Un nid-de-poule, rue X"), "voirie");
	assert_string_equal(route(c, "des nids de poules partout"), "");
	assert_string_equal(route(c, "un nid de poules"), "");
	assert_string_equal(route(c, "mes poules"), "");
	assert_string_equal(route(c, "ma poule"), "ferme");
	assert_string_equal(route(c, "nid de"), "");  /* a phrase is matched whole */
	assert_string_equal(route(c, "de poule nid"), "ferme");
	classifier_free(c);
}

static void test_rule_most_specific(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	assert_int_equal(classifier_add_rule(c, "permis", "urbanisme"), 0);
	assert_int_equal(classifier_add_rule(c, "permis de conduire", "titres"), 0);
	assert_int_equal(classifier_add_rule(c, "cantine", "affaires-scolaires"), 0);
	assert_int_equal(classifier_add_rule(c, "travaux", "voirie"), 0);
	assert_int_equal(classifier_add_rule(c, "stationnement", "police"), 0);
	assert_int_equal(classifier_add_rule(c, "nid de poule", "voirie"), 0);
	assert_string_equal(route(c, "Renouveler mon permis de conduire"), "titres");
	assert_string_equal(route(c, "permis de construire"), "urbanisme");
	/* more words beat more letters */
	assert_string_equal(route(c, "stationnement et permis de conduire"), "titres");
	assert_string_equal(route(c, "stationnement sur un nid de poule"), "voirie");
	/* same length: the rule added first wins, wherever it is in the text */
	assert_string_equal(route(c, "des travaux devant la cantine"), "affaires-scolaires");
	/* as many words: the longer phrase wins */
	assert_string_equal(route(c, "travaux de stationnement"), "police");
	classifier_free(c);
}

static void test_rule_bad(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	assert_int_equal(classifier_add_rule(c, NULL, "voirie"), -1);
	assert_int_equal(classifier_add_rule(c, "trottoir", NULL), -1);
	assert_int_equal(classifier_add_rule(c, "", "voirie"), -1);
	assert_int_equal(classifier_add_rule(c, " !? ", "voirie"), -1);
	assert_int_equal(classifier_add_rule(c, "trottoir", "Voirie"), -1);
	assert_int_equal(classifier_add_rule(c, "trottoir", ""), -1);
	assert_int_equal(classifier_add_rule(c, "trottoir", "voirie/x"), -1);
	assert_int_equal(classifier_add_rule(c, "tro\xfftoir", "voirie"), -1);
	assert_int_equal(classifier_add_rule(NULL, "trottoir", "voirie"), -1);
	char slug[CLASSIFIER_MAX_SLUG + 2];
	memset(slug, 'a', sizeof(slug) - 1);
	slug[sizeof(slug) - 1] = '\0';
	assert_int_equal(classifier_add_rule(c, "trottoir", slug), -1);
	slug[CLASSIFIER_MAX_SLUG] = '\0';
	assert_int_equal(classifier_add_rule(c, "trottoir", slug), 0);
	/* a repeated phrase is accepted and the first rule keeps it */
	assert_int_equal(classifier_add_rule(c, "Trottoir", "voirie"), 0);
	assert_string_equal(route(c, "le trottoir"), slug);
	classifier_free(c);
}

static const char *const TRAINING[][2] = {
	{ "Je voudrais un acte de naissance", "etat-civil" },
	{ "Demande de copie intégrale d'acte de mariage", "etat-civil" },
	{ "Comment déclarer la naissance de ma fille ?", "etat-civil" },
	{ "Extrait d'acte de décès de mon père", "etat-civil" },
	{ "Livret de famille perdu, comment en obtenir un nouveau", "etat-civil" },
	{ "Il y a un nid de poule rue Victor Hugo", "voirie" },
	{ "Le trottoir est défoncé devant l'école", "voirie" },
	{ "Lampadaire en panne dans ma rue", "voirie" },
	{ "Chaussée abîmée, trou dans la route", "voirie" },
	{ "Travaux de réfection de la chaussée rue Pasteur", "voirie" },
	{ "Inscription à la cantine de mon fils", "affaires-scolaires" },
	{ "Inscription de ma fille à l'école maternelle", "affaires-scolaires" },
	{ "Tarif de la cantine et du périscolaire", "affaires-scolaires" },
	{ "Mon fils change d'école à la rentrée", "affaires-scolaires" },
	{ "Garderie du mercredi et accueil périscolaire", "affaires-scolaires" },
	{ "Bac à ordures non ramassé", "proprete" },
	{ "Dépôt sauvage de déchets encombrants", "proprete" },
	{ "Collecte des ordures ménagères oubliée", "proprete" },
	{ "Tags sur le mur, demande de nettoyage", "proprete" },
	{ "Poubelles pas ramassées, déchets sur le trottoir", "proprete" },
};

static struct classifier *trained(void)
{
	struct classifier *c = classifier_new();
	assert_non_null(c);
	for (size_t i = 0; i < sizeof(TRAINING) / sizeof(TRAINING[0]); i++)
		assert_int_equal(classifier_learn(c, TRAINING[i][0], TRAINING[i][1]), 0);
	return c;
}

static const char *const PROBES[][2] = {
	{ "Bonjour, il me faut un acte de naissance pour mon fils", "etat-civil" },
	{ "Copie d'acte de mariage SVP", "etat-civil" },
	{ "Un énorme nid de poule devant chez moi", "voirie" },
	{ "Le lampadaire de la rue est cassé", "voirie" },
	{ "Comment inscrire mon fils à la cantine ?", "affaires-scolaires" },
	{ "Inscription à l'ÉCOLE pour la rentrée", "affaires-scolaires" },
	{ "Les ordures n'ont pas été ramassées", "proprete" },
	{ "Encombrants déposés sur le trottoir, déchets partout", "proprete" },
};

static void test_bayes_learns(void **state)
{
	(void)state;
	struct classifier *c = trained();
	for (size_t i = 0; i < sizeof(PROBES) / sizeof(PROBES[0]); i++) {
		assert_string_equal(route(c, PROBES[i][0]), PROBES[i][1]);
		assert_int_equal(res.by_rule, 0);
		assert_true(res.confidence > 0.5 && res.confidence <= 1.0);
	}
	/* nothing learnt about these words: no guess from the priors alone */
	assert_string_equal(route(c, "xyzzy plugh"), "");
	assert_true(res.confidence == 0.0);
	/* a rule wins over what was learnt */
	assert_int_equal(classifier_add_rule(c, "nid de poule", "espaces-verts"), 0);
	assert_string_equal(route(c, PROBES[2][0]), "espaces-verts");
	assert_int_equal(res.by_rule, 1);
	/* learning a correction moves the next decision */
	struct classifier *d = classifier_new();
	assert_int_equal(classifier_learn(d, "graffiti sur la mairie", "proprete"), 0);
	assert_string_equal(route(d, "un graffiti"), "proprete");
	assert_true(res.confidence == 1.0); /* only one service known */
	for (int i = 0; i < 3; i++)
		assert_int_equal(classifier_learn(d, "graffiti artistique", "culture"), 0);
	assert_string_equal(route(d, "un graffiti"), "culture");
	assert_true(res.confidence > 0.5 && res.confidence < 1.0);
	classifier_free(d);
	/* a word is weighed against all that its service has learnt: once in
	 * two words says more than once in many */
	d = classifier_new();
	assert_int_equal(classifier_learn(d, "graffiti et encore plusieurs autres mots divers "
					  "vraiment nombreux ici", "a"), 0);
	assert_int_equal(classifier_learn(d, "graffiti mairie", "b"), 0);
	assert_string_equal(route(d, "graffiti"), "b");
	classifier_free(d);
	classifier_free(c);
}

static void test_empty_model(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	res.confidence = 42;
	assert_string_equal(route(c, "Inscription à la cantine"), "");
	assert_true(res.confidence == 0.0);
	assert_int_equal(res.by_rule, 0);
	assert_string_equal(route(c, ""), "");
	/* a text with no useful word still counts as a document */
	assert_int_equal(classifier_learn(c, "Bonjour, merci !", "accueil"), 0);
	assert_string_equal(route(c, "bonjour"), "");
	classifier_free(c);
}

static void tok(const char *w, size_t n, void *arg)
{
	char *out = arg;
	strncat(out, w, n);
	strcat(out, "|");
}

static void test_tokens(void **state)
{
	(void)state;
	char out[200] = "";
	classifier_tokens("je voudrais l acte de naissance de mon fils, ne en 2024 a paris x9 "
			  "\xc2\xab" "cantine" "\xc2\xbb" "\xe2\x80\xaf" "!",
			  tok, out);
	assert_string_equal(out, "acte|naissance|fils|2024|paris|x9|cantine|");
	out[0] = '\0';
	classifier_tokens("bonjour madame, merci", tok, out);
	assert_string_equal(out, "");
	classifier_tokens(NULL, tok, out);
	assert_string_equal(out, "");
}

static void test_bad_input(void **state)
{
	(void)state;
	struct classifier *c = trained();
	assert_int_equal(classifier_classify(c, "cantine \xff", &res), -1);
	assert_int_equal(classifier_classify(c, "\xc3(", &res), -1);
	assert_int_equal(classifier_classify(c, "\xed\xa0\x80", &res), -1); /* surrogate */
	assert_int_equal(classifier_classify(c, NULL, &res), -1);
	assert_int_equal(classifier_classify(NULL, "cantine", &res), -1);
	assert_int_equal(classifier_classify(c, "cantine", NULL), -1);
	assert_int_equal(classifier_learn(c, "cantine \xff", "affaires-scolaires"), -1);
	assert_int_equal(classifier_learn(c, NULL, "affaires-scolaires"), -1);
	assert_int_equal(classifier_learn(c, "cantine", NULL), -1);
	assert_int_equal(classifier_learn(c, "cantine", "Affaires"), -1);
	assert_int_equal(classifier_learn(c, "cantine", "a b"), -1);
	assert_int_equal(classifier_learn(NULL, "cantine", "x"), -1);
	assert_null(classifier_to_json(NULL));
	classifier_free(NULL);
	classifier_free(c);
}

/* Text over the bound is cut before a character, not inside it. */
static void test_long_text(void **state)
{
	(void)state;
	size_t n = CLASSIFIER_MAX_TEXT + 100;
	char *t = malloc(n + 1);
	assert_non_null(t);
	memset(t, ' ', n);
	memcpy(t, "trottoir", 8);
	memcpy(t + CLASSIFIER_MAX_TEXT - 1, "\xc3\xa9", 2); /* é across the bound */
	memcpy(t + CLASSIFIER_MAX_TEXT + 10, "cantine scolaire", 16);
	t[n] = '\0';
	struct classifier *c = classifier_new();
	assert_int_equal(classifier_add_rule(c, "cantine scolaire", "affaires-scolaires"), 0);
	assert_int_equal(classifier_add_rule(c, "trottoir", "voirie"), 0);
	/* the longer, later rule is past the cut and not seen */
	assert_string_equal(route(c, t), "voirie");
	assert_int_equal(classifier_learn(c, t, "voirie"), 0);
	/* invalid bytes past the cut are never looked at */
	t[n - 1] = '\xff';
	assert_string_equal(route(c, t), "voirie");
	t[10] = '\xff';
	assert_int_equal(classifier_classify(c, t, &res), -1);
	free(t);
	classifier_free(c);
}

static struct classifier *reload(const struct classifier *c)
{
	json_t *j = classifier_to_json(c);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(text);
	json_error_t e;
	j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	free(text);
	assert_non_null(j);
	const char *err = NULL;
	struct classifier *d = classifier_from_json(j, &err);
	json_decref(j);
	assert_non_null(d);
	return d;
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct classifier *c = trained();
	assert_int_equal(classifier_add_rule(c, "État civil", "etat-civil"), 0);
	assert_int_equal(classifier_add_rule(c, "piscine", "sports"), 0);
	struct classifier *d = reload(c);
	const char *more[] = { "la piscine est fermée", "ETAT-CIVIL", "xyzzy", "" };
	for (size_t i = 0; i < sizeof(PROBES) / sizeof(PROBES[0]) + 4; i++) {
		const char *text = i < 8 ? PROBES[i][0] : more[i - 8];
		struct classifier_result a, b;
		assert_int_equal(classifier_classify(c, text, &a), 0);
		assert_int_equal(classifier_classify(d, text, &b), 0);
		assert_string_equal(a.service, b.service);
		assert_true(a.confidence == b.confidence);
		assert_int_equal(a.by_rule, b.by_rule);
	}
	json_t *jc = classifier_to_json(c), *jd = classifier_to_json(d);
	assert_true(json_equal(jc, jd));
	assert_int_equal(json_integer_value(json_object_get(jc, "version")), 1);
	json_decref(jc);
	json_decref(jd);
	/* learning goes on after a reload exactly as before it */
	assert_int_equal(classifier_learn(c, "piscine municipale horaires", "sports"), 0);
	assert_int_equal(classifier_learn(d, "piscine municipale horaires", "sports"), 0);
	jc = classifier_to_json(c);
	jd = classifier_to_json(d);
	assert_true(json_equal(jc, jd));
	json_decref(jc);
	json_decref(jd);
	classifier_free(d);
	d = classifier_new();
	struct classifier *e = reload(d); /* the empty model too */
	assert_string_equal(route(e, "cantine"), "");
	classifier_free(e);
	classifier_free(d);
	classifier_free(c);
}

#define OK_SVC "{\"slug\":\"voirie\",\"docs\":2,\"words\":3}"
#define MODEL(rules, svcs, counts) \
	"{\"version\":1,\"rules\":" rules ",\"services\":" svcs ",\"counts\":" counts "}"

static void test_json_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"{\"version\":1,\"rules\":[],\"services\":[]}",
		"{\"version\":1,\"rules\":[],\"services\":[],\"counts\":{},\"x\":0}",
		"{\"version\":2,\"rules\":[],\"services\":[],\"counts\":{}}",
		"{\"version\":\"1\",\"rules\":[],\"services\":[],\"counts\":{}}",
		"{\"version\":1.0,\"rules\":[],\"services\":[],\"counts\":{}}",
		"{\"version\":0,\"rules\":[],\"services\":[],\"counts\":{}}",
		MODEL("{}", "[]", "{}"),
		MODEL("[]", "{}", "{}"),
		MODEL("[]", "[]", "[]"),
		/* services */
		MODEL("[]", "[{\"slug\":\"Voirie\",\"docs\":1,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"\",\"docs\":1,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"a b\",\"docs\":1,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"a\\u0000b\",\"docs\":1,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":-1,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":0,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":1,\"words\":-3}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":1e3,\"words\":0}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":1}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":1,\"words\":0,\"x\":1}]", "{}"),
		MODEL("[]", "[{\"slug\":\"voirie\",\"docs\":1,\"words\":99999999999999999}]", "{}"),
		MODEL("[]", "[" OK_SVC "," OK_SVC "]", "{\"trottoir\":[[0,3],[1,3]]}"),
		MODEL("[]", "[3]", "{}"),
		/* rules */
		MODEL("[{\"word\":\"trottoir\"}]", "[]", "{}"),
		MODEL("[{\"word\":\"trottoir\",\"service\":\"Voirie\"}]", "[]", "{}"),
		MODEL("[{\"word\":\"...\",\"service\":\"voirie\"}]", "[]", "{}"),
		MODEL("[{\"word\":7,\"service\":\"voirie\"}]", "[]", "{}"),
		MODEL("[{\"word\":\"a\\u0000b\",\"service\":\"voirie\"}]", "[]", "{}"),
		MODEL("[{\"word\":\"x\",\"service\":\"voirie\",\"n\":1}]", "[]", "{}"),
		MODEL("[\"trottoir\"]", "[]", "{}"),
		/* counts */
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,-3]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,0]],\"rue\":[[0,3]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[1,3]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[-1,3]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,2]]}"),           /* sum != words */
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,2]],\"rue\":[[0,2]]}"),
		MODEL("[]", "[" OK_SVC ",{\"slug\":\"b\",\"docs\":1,\"words\":0}]",
		      "{\"trottoir\":[[0,1],[0,2]]}"),                         /* repeated */
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,3,1]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0,\"3\"]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[[0.0,3]]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":[0,3]}"),
		MODEL("[]", "[" OK_SVC "]", "{\"trottoir\":{\"0\":3}}"),
		MODEL("[]", "[" OK_SVC "]", "{\"Trottoir\":[[0,3]]}"),            /* not folded */
		MODEL("[]", "[" OK_SVC "]", "{\"les\":[[0,3]]}"),                 /* stop word */
		MODEL("[]", "[" OK_SVC "]", "{\"x\":[[0,3]]}"),                   /* too short */
		MODEL("[]", "[" OK_SVC "]", "{\"nid de\":[[0,3]]}"),              /* two words */
		MODEL("[]", "[" OK_SVC "]", "{\"\":[[0,3]]}"),
		MODEL("[]", "[]", "{\"trottoir\":[[0,3]]}"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_error_t e;
		json_t *j = json_loads(bad[i], JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
		if (!j)
			fail_msg("test JSON %zu does not parse: %s", i, e.text);
		const char *err = NULL;
		struct classifier *c = classifier_from_json(j, &err);
		if (c)
			fail_msg("model %zu was accepted: %s", i, bad[i]);
		assert_non_null(err);
		assert_null(classifier_from_json(j, NULL));
		json_decref(j);
	}
	assert_null(classifier_from_json(NULL, NULL));
	/* and the same shapes done right load */
	json_t *j = json_loads(MODEL("[{\"word\":\"nid de poule\",\"service\":\"voirie\"}]",
				     "[" OK_SVC ",{\"slug\":\"x-1\",\"docs\":1,\"words\":0}]",
				     "{\"trottoir\":[[0,2]],\"rue\":[[0,1]]}"),
			       0, NULL);
	const char *err = NULL;
	struct classifier *c = classifier_from_json(j, &err);
	json_decref(j);
	assert_non_null(c);
	assert_string_equal(route(c, "mon trottoir"), "voirie");
	assert_int_equal(res.by_rule, 0);
	assert_true(res.confidence > 0.5 && res.confidence < 1.0);
	assert_string_equal(route(c, "un nid de poule"), "voirie");
	assert_int_equal(res.by_rule, 1);
	classifier_free(c);
}

/* Word number i as letters only, so that each is one distinct token. */
static void word_name(size_t i, char *out)
{
	out[0] = 'w';
	size_t k = 1;
	do {
		out[k++] = (char)('a' + i % 26);
		i /= 26;
	} while (i);
	out[k] = '\0';
}

static void test_vocabulary_bound(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	enum { PER_TEXT = 5000 };
	char *text = malloc(PER_TEXT * 8 + 1);
	assert_non_null(text);
	for (size_t done = 0; done < CLASSIFIER_MAX_VOCAB; done += PER_TEXT) {
		char *p = text;
		for (size_t i = done; i < done + PER_TEXT; i++) {
			word_name(i, p);
			p += strlen(p);
			*p++ = ' ';
		}
		*p = '\0';
		assert_int_equal(classifier_learn(c, text, done / PER_TEXT % 2 ? "b" : "a"), 0);
	}
	json_t *before = classifier_to_json(c);
	assert_non_null(before);
	assert_int_equal(json_object_size(json_object_get(before, "counts")), CLASSIFIER_MAX_VOCAB);
	/* a text with one new word is refused as a whole... */
	assert_int_equal(classifier_learn(c, "wa wb wc nouveau", "a"), -1);
	/* ...leaving the model as it was */
	json_t *after = classifier_to_json(c);
	assert_true(json_equal(before, after));
	json_decref(after);
	/* known words are still learnt */
	assert_int_equal(classifier_learn(c, "wa wb wc", "c"), 0);
	after = classifier_to_json(c);
	assert_int_equal(json_array_size(json_object_get(after, "services")), 3);
	json_decref(after);
	/* a full model is still a valid model */
	struct classifier *d = classifier_from_json(before, NULL);
	assert_non_null(d);
	classifier_free(d);
	/* and one word more is not */
	json_object_set_new(json_object_get(before, "counts"), "nouveau", json_pack("[[i,i]]", 0, 1));
	json_t *svc = json_array_get(json_object_get(before, "services"), 0);
	json_object_set_new(svc, "words",
			    json_integer(json_integer_value(json_object_get(svc, "words")) + 1));
	assert_null(classifier_from_json(before, NULL));
	json_decref(before);
	free(text);
	classifier_free(c);
}

static void test_rule_bound(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	char w[16];
	for (size_t i = 0; i < 10000; i++) {
		word_name(i, w);
		assert_int_equal(classifier_add_rule(c, w, i % 2 ? "impair" : "pair"), 0);
	}
	assert_int_equal(classifier_add_rule(c, "encore un", "voirie"), -1);
	assert_int_equal(classifier_add_rule(c, "wa", "voirie"), 0); /* already there */
	assert_string_equal(route(c, "x wb y"), "impair");
	assert_string_equal(route(c, "x wa y"), "pair");
	struct classifier *d = reload(c);
	assert_string_equal(route(d, "x wb y"), "impair");
	classifier_free(d);
	classifier_free(c);
}

static void test_service_bound(void **state)
{
	(void)state;
	struct classifier *c = classifier_new();
	char slug[16];
	for (int i = 0; i < CLASSIFIER_MAX_SERVICES; i++) {
		snprintf(slug, sizeof(slug), "s%d", i);
		assert_int_equal(classifier_learn(c, "demande", slug), 0);
	}
	assert_int_equal(classifier_learn(c, "demande", "one-more"), -1);
	assert_int_equal(classifier_learn(c, "demande", "s7"), 0);
	assert_string_equal(route(c, "demande"), "s7");
	struct classifier *d = reload(c);
	assert_string_equal(route(d, "demande"), "s7");
	classifier_free(d);
	classifier_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_accents),      cmocka_unit_test(test_rule_whole_words),
		cmocka_unit_test(test_rule_most_specific), cmocka_unit_test(test_rule_bad),
		cmocka_unit_test(test_bayes_learns),      cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_tokens),            cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_long_text),         cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_rejects),      cmocka_unit_test(test_vocabulary_bound),
		cmocka_unit_test(test_rule_bound),        cmocka_unit_test(test_service_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
