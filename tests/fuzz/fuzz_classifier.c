/* libFuzzer target: the routing classifier.  The input is read as a saved
 * model (strict JSON) for classifier_from_json; a model that loads must
 * classify text and survive a to_json/from_json round trip unchanged.  The
 * same bytes are also used as request text: classified by a small fixed
 * model, and learnt by a fresh one that must then save and load. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/classifier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const SAMPLES[] = {
	"Je voudrais un acte de naissance",
	"Il y a un nid de poule rue Victor Hugo",
	"Inscription à la cantine de mon fils",
	"ÉTAT CIVIL : copie intégrale",
	"",
};

/* Built once: rules and a few learnt requests. */
static const struct classifier *fixed_model(void)
{
	static struct classifier *c;
	if (c)
		return c;
	c = classifier_new();
	if (!c)
		abort();
	classifier_add_rule(c, "nid de poule", "voirie");
	classifier_add_rule(c, "état civil", "etat-civil");
	classifier_add_rule(c, "cantine", "affaires-scolaires");
	classifier_learn(c, "Je voudrais un acte de naissance", "etat-civil");
	classifier_learn(c, "Le trottoir est défoncé devant l'école", "voirie");
	classifier_learn(c, "Inscription de ma fille à l'école maternelle", "affaires-scolaires");
	return c;
}

static void same_results(const struct classifier *a, const struct classifier *b,
			 const char *text)
{
	struct classifier_result ra, rb;
	int ea = classifier_classify(a, text, &ra), eb = classifier_classify(b, text, &rb);
	if (ea != eb || (ea == 0 && (strcmp(ra.service, rb.service) != 0 ||
				     ra.confidence != rb.confidence || ra.by_rule != rb.by_rule)))
		abort();
	if (ea == 0 && (ra.confidence < 0 || ra.confidence > 1))
		abort();
}

/* What to_json gives must load back to a model that saves identically and
 * decides identically.  Returns quietly when out of memory. */
static void round_trip(const struct classifier *c, const char *text)
{
	json_t *j = classifier_to_json(c);
	if (!j)
		return;
	const char *err = NULL;
	struct classifier *d = classifier_from_json(j, &err);
	if (!d)
		abort();
	json_t *k = classifier_to_json(d);
	if (k && !json_equal(j, k))
		abort();
	for (size_t i = 0; i < sizeof(SAMPLES) / sizeof(SAMPLES[0]); i++)
		same_results(c, d, SAMPLES[i]);
	if (text)
		same_results(c, d, text);
	json_decref(k);
	json_decref(j);
	classifier_free(d);
}

static void as_model(const uint8_t *data, size_t size, const char *text)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return;
	const char *err = NULL;
	struct classifier *c = classifier_from_json(j, &err);
	json_decref(j);
	if (!c) {
		if (!err)
			abort();
		return;
	}
	round_trip(c, text);
	classifier_free(c);
}

static void as_text(const char *text)
{
	struct classifier_result r;
	classifier_classify(fixed_model(), text, &r);
	struct classifier *c = classifier_new();
	if (!c)
		return;
	if (classifier_learn(c, text, "x") == 0 && classifier_learn(c, "nid de poule", "y") == 0) {
		classifier_classify(c, text, &r);
		round_trip(c, text);
	}
	classifier_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The text is the input up to its first NUL, as a C string. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	as_model(data, size, text);
	as_text(text);
	free(text);
	return 0;
}
