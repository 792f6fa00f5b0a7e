/* The options table and its values (see options.h). */
#include "client/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"

#define VALUE_MAX 1024

static const char *const notify_methods[] = { "none", "bell", "osc9", "osc777", "osc99", NULL };
static const char *const languages[] = { "auto", "fr", "en", NULL };
static const char *const yes_no[] = { "yes", "no", NULL };
static const char *const low_bw[] = { "auto", "yes", "no", NULL };

const struct option_def OPTION_DEFS[] = {
	{ "server", OPTION_STRING, "", NULL, 0, 0,
	  N_("adresse de guichetd (https://hôte:port) ; vide : un guichetd local") },
	{ "cacert", OPTION_STRING, "", NULL, 0, 0,
	  N_("certificat de l'autorité qui a signé celui du serveur") },
	{ "theme", OPTION_STRING, "default", NULL, 0, 0,
	  N_("thème de couleurs (default, dsfr, high-contrast, mono)") },
	{ "notify", OPTION_CHOICE, "bell", notify_methods, 0, 0,
	  N_("comment signaler une offre : none, bell, osc9, osc777, osc99") },
	{ "language", OPTION_CHOICE, "auto", languages, 0, 0,
	  N_("langue de l'interface : auto (selon la locale), fr, en") },
	{ "history-size", OPTION_NUMBER, "500", NULL, 0, 10000,
	  N_("commandes gardées dans l'historique du prompt") },
	{ "cache_passphrase", OPTION_CHOICE, "no", yes_no, 0, 0,
	  N_("yes : chiffrer le cache et l'envoi par une phrase de passe, demandée au démarrage") },
	{ "cache_max_mb", OPTION_NUMBER, "64", NULL, 1, 1000,
	  N_("taille maximale du cache hors ligne, en Mo (le plus ancien part d'abord)") },
	{ "service_target", OPTION_NUMBER, "20", NULL, 1, 3600,
	  N_("supervision : délai cible de décroché, en secondes (niveau de service)") },
	{ "staffing_goal", OPTION_NUMBER, "80", NULL, 1, 99,
	  N_("supervision : part d'appels à décrocher dans le délai cible, en %") },
	{ "alert_wait", OPTION_NUMBER, "120", NULL, 0, 86400,
	  N_("supervision : alerte quand l'attente la plus longue dépasse ces secondes (0 : jamais)") },
	{ "alert_service_level", OPTION_NUMBER, "80", NULL, 0, 100,
	  N_("supervision : alerte sous ce niveau de service, en % (0 : jamais)") },
	{ "alert_queue", OPTION_NUMBER, "5", NULL, 0, 10000,
	  N_("supervision : alerte quand plus de contacts attendent dans une file (0 : jamais)") },
	{ "low_bandwidth", OPTION_CHOICE, "auto", low_bw, 0, 0,
	  N_("écran économe en octets : yes, no, auto (oui par SSH quand la liaison est lente)") },
	{ "mail_config", OPTION_STRING, "", NULL, 0, 0,
	  N_("courriel : fichier de configuration de notmuch (vide : celui de notmuch)") },
	{ "mail_database", OPTION_STRING, "", NULL, 0, 0,
	  N_("courriel : dossier de la base notmuch (vide : ce que dit sa configuration)") },
	{ "mail_query", OPTION_STRING,
	  "tag:inbox and not tag:guichet/linked and not tag:guichet/replied and not tag:guichet/done",
	  NULL, 0, 0, N_("courriel : la requête notmuch des courriels à traiter") },
	{ "mail_from", OPTION_STRING, "", NULL, 0, 0,
	  N_("courriel : l'adresse du service, « Nom <adresse> », pour répondre") },
	{ "sendmail", OPTION_STRING, "sendmail -t -oi", NULL, 0, 0,
	  N_("courriel : la commande qui envoie (le message sur son entrée)") },
	{ "mail_html_filter", OPTION_STRING, "", NULL, 0, 0,
	  N_("courriel : commande qui rend le HTML en texte (ex. w3m -dump -T text/html) ; vide : intégré") },
	{ "mail_sent", OPTION_STRING, "Sent", NULL, 0, 0,
	  N_("courriel : le dossier Maildir des messages envoyés (sous celui de la base)") },
	{ "mail_worklist", OPTION_NUMBER, "10", NULL, 0, 200,
	  N_("courriel : fils montrés dans la liste de travail (0 : aucun)") },
	{ "phone", OPTION_STRING, "", NULL, 0, 0,
	  N_("téléphone : le ctrl_tcp de baresip, tcp:127.0.0.1:4444 (vide : pas de téléphone)") },
	{ "phone_lines", OPTION_STRING, "", NULL, 0, 0,
	  N_("téléphone : lignes pour transférer, « etat-civil=+33145454545,accueil=3939 »") },
};
const size_t OPTION_COUNT = sizeof(OPTION_DEFS) / sizeof(OPTION_DEFS[0]);

struct options {
	char value[sizeof(OPTION_DEFS) / sizeof(OPTION_DEFS[0])][VALUE_MAX];
};

struct options *options_new(void)
{
	struct options *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	for (size_t i = 0; i < OPTION_COUNT; i++)
		snprintf(o->value[i], VALUE_MAX, "%s", OPTION_DEFS[i].def);
	return o;
}

void options_free(struct options *o)
{
	free(o);
}

static int find(const char *name)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (strcmp(OPTION_DEFS[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Check value against the option's kind: 0, or -1 with a message. */
static int check(const struct option_def *def, const char *value, char *err, size_t errlen)
{
	if (strlen(value) >= VALUE_MAX) {
		snprintf(err, errlen, _("%s : valeur trop longue"), def->name);
		return -1;
	}
	if (def->kind == OPTION_CHOICE) {
		for (size_t i = 0; def->choices[i]; i++)
			if (strcmp(def->choices[i], value) == 0)
				return 0;
		snprintf(err, errlen, _("%s : valeur inconnue « %s »"), def->name, value);
		return -1;
	}
	if (def->kind == OPTION_NUMBER) {
		char *end;
		long n = strtol(value, &end, 10);
		if (end == value || *end || n < def->min || n > def->max) {
			snprintf(err, errlen, _("%s : un nombre de %ld à %ld"), def->name, def->min,
				 def->max);
			return -1;
		}
	}
	return 0;
}

int options_set(struct options *o, const char *name, const char *value, char *err,
		size_t errlen)
{
	int i = find(name);
	if (i < 0) {
		snprintf(err, errlen, _("option inconnue : %s"), name);
		return -1;
	}
	if (check(&OPTION_DEFS[i], value, err, errlen) < 0)
		return -1;
	snprintf(o->value[i], VALUE_MAX, "%s", value);
	return 0;
}

const char *options_get(const struct options *o, const char *name)
{
	int i = find(name);
	return i >= 0 ? o->value[i] : NULL;
}
