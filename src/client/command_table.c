/* The command table (see command.h).  Names and arguments are a stable
 * interface: keymaps, guichetrc files and scripts use them. */
#include "client/cmd_impl.h"
#include "client/i18n.h"

#define ANY (-1)

const struct cmd_entry CMD_TABLE[] = {
	/* moving around */
	{ "down", "", 0, 0, 0, N_("ligne suivante"), cmd_down },
	{ "up", "", 0, 0, 0, N_("ligne précédente"), cmd_up },
	{ "page-down", "", 0, 0, 0, N_("page suivante"), cmd_page_down },
	{ "page-up", "", 0, 0, 0, N_("page précédente"), cmd_page_up },
	{ "top", "", 0, 0, 0, N_("première ligne"), cmd_top },
	{ "bottom", "", 0, 0, 0, N_("dernière ligne"), cmd_bottom },
	{ "open", "[citizen ID | case REF]", 0, 2, 0,
	  N_("ouvrir la ligne choisie, une fiche d'usager ou un dossier"), cmd_open },
	{ "back", "", 0, 0, 0, N_("revenir à l'écran précédent"), cmd_back },
	{ "worklist", "", 0, 0, 0, N_("liste de travail : ce qui m'attend"), cmd_worklist },
	{ "search", "TEXT", 1, ANY, 0,
	  N_("chercher un usager : nom, téléphone, courriel ou référence de dossier"), cmd_search },
	{ "refresh", "", 0, 0, 0, N_("recharger depuis le serveur"), cmd_refresh },
	{ "help", "", 0, 0, 0, N_("aide de l'écran : touches et commandes"), cmd_help },
	{ "prompt", "[TEXT]", 0, ANY, CMD_NEEDS_SCREEN, N_("saisir une commande"), cmd_prompt },
	{ "redraw", "", 0, 0, CMD_NEEDS_SCREEN, N_("redessiner l'écran"), cmd_redraw },
	{ "quit", "", 0, 0, 0, N_("quitter guichet"), cmd_quit },
	/* work */
	{ "note", "TEXT", 1, ANY, CMD_NEEDS_CASE, N_("ajouter une note au dossier"), cmd_note },
	{ "status", "STATUS", 1, 1, CMD_NEEDS_CASE,
	  N_("changer l'état du dossier (open, pending-citizen, pending-internal, resolved, closed)"),
	  cmd_status },
	{ "assign", "AGENT", 1, 1, CMD_NEEDS_CASE, N_("confier le dossier à un agent (- : personne)"),
	  cmd_assign },
	{ "transfer", "SERVICE [AGENT]", 1, 2, CMD_NEEDS_CASE,
	  N_("transmettre le dossier au service compétent"), cmd_transfer },
	{ "template", "NAME", 1, 1, 0, N_("insérer un modèle de réponse"), cmd_template },
	{ "say", "TEXT", 1, ANY, CMD_NEEDS_CHAT, N_("écrire dans le chat ouvert"), cmd_say },
	{ "end", "WRAPUP", 1, 1, CMD_NEEDS_CHAT,
	  N_("terminer le chat avec un code de clôture (information, dossier, orientation…)"),
	  cmd_end },
	{ "merge", "ID", 1, 1, CMD_NEEDS_CITIZEN,
	  N_("montrer à côté de la fiche ouverte un doublon à y fusionner"), cmd_merge },
	{ "confirm", "", 0, 0, 0, N_("confirmer la fusion montrée"), cmd_confirm },
	{ "unmerge", "MERGE", 1, 1, 0, N_("annuler une fusion (son numéro)"), cmd_unmerge },
	{ "accept", "", 0, 0, 0, N_("accepter l'offre en attente (chat ou appel)"), cmd_accept },
	{ "decline", "", 0, 0, 0, N_("refuser l'offre en attente"), cmd_decline },
	{ "presence", "STATE [REASON]", 1, ANY, 0,
	  N_("ma présence : available, paused RAISON, offline"), cmd_presence },
	/* configuration */
	{ "bind", "SCREEN KEY COMMAND", 3, 3, 0,
	  N_("lier une touche à une commande (SCREEN : un écran ou global)"), cmd_bind },
	{ "unbind", "SCREEN KEY", 2, 2, 0, N_("délier une touche"), cmd_unbind },
	{ "set", "OPTION VALUE", 2, 2, 0, N_("régler une option"), cmd_set },
	{ "source", "FILE", 1, 1, 0, N_("exécuter les commandes d'un fichier"), cmd_source },
	{ "color", "ROLE FG [BG [ATTRS]]", 2, 4, 0,
	  N_("couleurs d'un rôle (thèmes) : default, red, bright-blue, colour123, #000091"),
	  cmd_color },
};
const size_t CMD_COUNT = sizeof(CMD_TABLE) / sizeof(CMD_TABLE[0]);
