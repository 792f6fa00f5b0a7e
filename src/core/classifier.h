/* Routing classifier: which competent service a free-text French request
 * belongs to.  Keyword rules first (an administrator's explicit words win),
 * then a multinomial naive Bayes model over accent-folded words that learns
 * from every routing an agent confirms or corrects.  Pure: the model is
 * saved and loaded as JSON by the caller. */
#ifndef GUICHET_CORE_CLASSIFIER_H
#define GUICHET_CORE_CLASSIFIER_H

#include <stddef.h>
#include <jansson.h>

struct classifier;

/* Bounds that keep a model's memory predictable. */
#define CLASSIFIER_MAX_SERVICES 256
#define CLASSIFIER_MAX_VOCAB    200000
#define CLASSIFIER_MAX_SLUG     64
#define CLASSIFIER_MAX_TEXT     65536   /* longer text is cut (at a char boundary) */

/* New empty model; NULL when out of memory.  Free with classifier_free. */
struct classifier *classifier_new(void);
void classifier_free(struct classifier *c);

/* Add a keyword rule: when the folded text contains the folded `word` as a
 * whole word (or whole phrase), route to `service`.  Returns 0 or -1. */
int classifier_add_rule(struct classifier *c, const char *word, const char *service);

/* Learn that `text` belongs to `service` (one confirmed or corrected
 * routing).  Returns 0 or -1 (bad slug, out of memory, vocabulary full). */
int classifier_learn(struct classifier *c, const char *text, const char *service);

/* Result of classify. */
struct classifier_result {
	char service[CLASSIFIER_MAX_SLUG + 1]; /* "" when nothing is known */
	double confidence;   /* 1.0 for a rule; posterior probability for Bayes */
	int by_rule;         /* 1 when a keyword rule decided */
};

/* Classify text.  Returns 0 with *out filled (service "" when the model is
 * empty and no rule matches), or -1 on bad input. */
int classifier_classify(const struct classifier *c, const char *text,
			struct classifier_result *out);

/* Serialize the whole model (rules and counts) to a new JSON object
 * (caller owns the reference), or NULL when out of memory. */
json_t *classifier_to_json(const struct classifier *c);

/* Load a model from JSON produced by classifier_to_json; validates every
 * field and bound.  Returns a new model or NULL (with *err set to a static
 * message when err is not NULL). */
struct classifier *classifier_from_json(const json_t *j, const char **err);

/* Split folded text into words for the model: calls fn for each word of at
 * least 2 letters that is not a French stop word. */
void classifier_tokens(const char *folded, void (*fn)(const char *w, size_t n, void *arg),
		       void *arg);

#endif
