/* The words of the demo commune, Saint-Aubin-sur-Loire (fictional): its
 * services and agents, the names of its inhabitants and streets, and what
 * they write about, in natural French.  Tables only; demo.c draws from
 * them deterministically. */
#ifndef GUICHET_SERVER_DEMO_CORPUS_H
#define GUICHET_SERVER_DEMO_CORPUS_H

#include <stddef.h>

#define DEMO_COMMUNE "Saint-Aubin-sur-Loire"
#define DEMO_POSTCODE "45190"
#define DEMO_MAIL_DOMAIN "mairie-saint-aubin.example"

/* A competent service: its keyword rules, SLA policy (JSON, NULL for the
 * defaults) and the subjects of the requests it receives. */
struct demo_service {
	const char *slug, *name;
	const char *const *keywords;   /* NULL-terminated */
	const char *sla;
	const char *const *subjects;   /* NULL-terminated */
};
extern const struct demo_service DEMO_SERVICES[];
extern const size_t DEMO_NSERVICES;

/* A demo account (password "demo"); services comma-separated. */
struct demo_agent {
	const char *login, *display_name, *role, *services;
};
extern const struct demo_agent DEMO_AGENTS[];
extern const size_t DEMO_NAGENTS;

/* Counted NULL-free word lists. */
struct demo_words {
	const char *const *w;
	size_t n;
};
extern const struct demo_words DEMO_GIVEN, DEMO_FAMILY, DEMO_STREETS, DEMO_NOTES,
	DEMO_FOLLOW_UPS, DEMO_ACKS, DEMO_LOOSE, DEMO_SURVEY_COMMENTS, DEMO_TAGS;

/* Answer templates and knowledge articles. */
struct demo_template {
	const char *name, *title, *body, *service; /* service NULL: every service */
};
extern const struct demo_template DEMO_TEMPLATES[];
extern const size_t DEMO_NTEMPLATES;

struct demo_article {
	const char *title, *body, *service;
};
extern const struct demo_article DEMO_ARTICLES[];
extern const size_t DEMO_NARTICLES;

#endif
