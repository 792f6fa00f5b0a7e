/* The demo commune's shared mailbox (see demo_mail.h).  Messages are first
 * built in memory (who, when, what, which thread), then rendered to bytes
 * with the variety a real mailbox has (quoted-printable UTF-8, a few
 * ISO-8859-1 8bit, HTML alternatives, attachments, RFC 2047 headers, a few
 * hostile ones), written tmp/ then renamed into cur/ or new/, and indexed
 * by running notmuch (no shell, argv arrays, NOTMUCH_CONFIG set). */
#include "server/demo_mail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "core/calendar.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "server/demo.h"
#include "server/demo_corpus.h"
#include "server/server.h"
#include "server/store.h"

extern char **environ;

#define DAY            86400
#define MAIL_DAYS      183     /* synthetic threads: the last six months */
#define HANDLED_DAYS   30      /* older messages count as handled */
#define MAX_CITIZENS   600     /* read from the store: enough for 2,000 messages */
#define TIMELINE_LIMIT 60      /* per citizen: a --demo-timeline citizen stays bounded */
#define TARGET_MSGS    2200
#define FRESH          40      /* most recent unanswered citizen messages left unread */
#define STATE_FILE     "demo-mail.state"
#define LOG_FILE       "notmuch.log"

/* ---- what the commune's mail is about ---------------------------------- */

/* Per service: what citizens ask and what the commune answers.  Subjects
 * come from DEMO_SERVICES, so that mail and cases speak alike. */
struct mail_pool {
	const char *slug, *signature;
	const char *const *asks;    /* NULL-terminated */
	const char *const *answers; /* NULL-terminated */
};

static const char *const asks_etat_civil[] = {
	"Je vous écris au sujet de ma demande : %s. Pourriez-vous me dire quelles pièces je dois fournir et sous quel délai je peux espérer une réponse ?",
	"Suite à notre échange au guichet, je reviens vers vous concernant : %s. Est-il possible de faire la démarche entièrement par courriel ?",
	"Objet de ma demande : %s. Je suis née à Saint-Aubin-sur-Loire mais j'habite désormais à Orléans, est-ce que je dois me déplacer ?",
	"Mon notaire me réclame ce document pour la succession (%s). Pouvez-vous me l'envoyer par courrier à mon adresse actuelle ?",
	"Bonjour, concernant %s : j'ai rempli le formulaire en ligne il y a dix jours et je n'ai toujours rien reçu. Pourriez-vous vérifier ?",
	"J'aurais besoin d'un rendez-vous avec le service de l'état civil pour la démarche suivante : %s. Quels sont vos créneaux la semaine prochaine ?",
	NULL,
};
static const char *const answers_etat_civil[] = {
	"Nous avons bien reçu votre demande. L'acte vous sera adressé par voie postale sous cinq jours ouvrés ; aucune pièce supplémentaire n'est nécessaire.",
	"Pour cette démarche, merci de nous transmettre une copie de votre pièce d'identité et un justificatif de domicile de moins de trois mois. Le dossier sera instruit dès réception.",
	"Le service de l'état civil vous reçoit sans rendez-vous du lundi au vendredi de 8 h 30 à 12 h, et sur rendez-vous le mardi après-midi.",
	"Votre acte a été délivré ce jour. Vous pouvez également le demander gratuitement en ligne sur service-public.fr pour vos prochaines démarches.",
	"Après vérification, l'acte porte bien une erreur matérielle. Une rectification a été demandée au procureur de la République ; nous vous tiendrons informé(e).",
	NULL,
};
static const char *const asks_voirie[] = {
	"Je souhaite signaler le problème suivant : %s. C'est devenu dangereux, surtout la nuit pour les cyclistes.",
	"Depuis plusieurs semaines, %s. Plusieurs voisins ont déjà appelé la mairie, sans résultat pour l'instant.",
	"Je me permets de vous relancer : %s. Je vous joins une photo prise ce matin.",
	"Pourriez-vous m'indiquer quand les travaux sont prévus ? (%s) La rue est très fréquentée aux heures d'école.",
	NULL,
};
static const char *const answers_voirie[] = {
	"Merci pour votre signalement. Les services techniques se sont rendus sur place et une intervention est programmée dans les quinze jours.",
	"L'intervention a été réalisée ce matin par l'équipe voirie. N'hésitez pas à nous signaler tout autre désordre.",
	"Cette voie relève du département : nous avons transmis votre signalement à l'agence routière départementale, qui nous a confirmé sa prise en charge.",
	"Un arrêté de circulation sera pris pour la durée des travaux ; une déviation sera fléchée par la rue des Écoles.",
	NULL,
};
static const char *const asks_urbanisme[] = {
	"Je souhaiterais des renseignements au sujet de : %s. Mon terrain est situé en zone UB du PLU, je crois.",
	"Où en est l'instruction de mon dossier (%s) ? Je n'ai reçu aucun courrier depuis le dépôt.",
	"Pour mon projet (%s), faut-il une déclaration préalable ou un permis de construire ? La surface serait d'environ 18 m².",
	"Les voisins ont commencé des travaux sans panneau d'affichage. Concernant %s, à qui dois-je m'adresser ?",
	NULL,
};
static const char *const answers_urbanisme[] = {
	"Votre dossier est complet et en cours d'instruction. Le délai légal est de deux mois à compter du dépôt ; sans réponse à cette date, l'autorisation sera tacitement accordée.",
	"Pour une extension de moins de 20 m² en zone urbaine, une déclaration préalable suffit (formulaire Cerfa n° 13703). Le service urbanisme vous reçoit sur rendez-vous le jeudi.",
	"Il manque à votre dossier le plan de masse et une photographie de l'environnement proche. Le délai d'instruction court à partir de la réception des pièces manquantes.",
	"Le plan local d'urbanisme est consultable en mairie et sur le Géoportail de l'urbanisme. La hauteur maximale en zone UB est de 9 mètres au faîtage.",
	NULL,
};
static const char *const asks_scolaire[] = {
	"Nous venons d'emménager à Saint-Aubin et je voudrais savoir comment faire pour : %s.",
	"Concernant %s : notre fils entre en CP en septembre, quels documents faut-il apporter ?",
	"Ma fille a une allergie alimentaire ; au sujet de %s, faut-il mettre en place un PAI avec le médecin scolaire ?",
	"J'ai reçu la facture du périscolaire et il y a une erreur, je pense (%s). Pouvez-vous vérifier le nombre de jours facturés ?",
	NULL,
};
static const char *const answers_scolaire[] = {
	"L'inscription se fait au service des affaires scolaires, muni du livret de famille, d'un justificatif de domicile et du carnet de santé de l'enfant. Vous recevrez ensuite le certificat d'inscription.",
	"Après vérification, trois jours ont été facturés à tort. Un avoir sera déduit de la prochaine facture.",
	"Le projet d'accueil individualisé est à établir avec le médecin scolaire ; nous le transmettrons au prestataire de la restauration dès signature.",
	"Les inscriptions à l'accueil de loisirs pour les vacances sont ouvertes sur le portail famille jusqu'au 15 du mois.",
	NULL,
};
static const char *const asks_ccas[] = {
	"Je me permets de vous écrire pour ma mère, âgée de 84 ans : %s. Elle vit seule et ne peut plus se déplacer facilement.",
	"Je traverse une période difficile et je souhaiterais des informations : %s. Est-ce qu'un rendez-vous avec une assistante sociale est possible ?",
	"Au sujet de %s : mon dossier a-t-il bien été transmis au département ? Je n'ai pas de nouvelles depuis un mois.",
	"Bonjour, je voudrais savoir si je peux bénéficier de cette aide (%s). Je suis à la retraite avec une petite pension.",
	NULL,
};
static const char *const answers_ccas[] = {
	"Le CCAS peut vous recevoir en toute confidentialité le mardi ou le jeudi matin. Merci d'apporter votre dernier avis d'imposition et vos justificatifs de ressources.",
	"Votre dossier a bien été transmis au conseil départemental le 3 du mois. Le délai de traitement est d'environ six semaines.",
	"Le portage de repas est assuré du lundi au samedi ; le tarif dépend des ressources. Une visite à domicile peut être organisée pour évaluer les besoins.",
	"Une aide d'urgence peut être étudiée en commission. L'assistante sociale vous rappellera dans la semaine pour constituer le dossier.",
	NULL,
};
static const char *const asks_proprete[] = {
	"Je souhaite vous signaler ceci : %s. Ça dure depuis plusieurs jours et ça attire les nuisibles.",
	"Pouvez-vous m'indiquer la marche à suivre pour : %s ? Je n'ai pas de voiture pour aller à la déchetterie.",
	"Concernant %s : le bac n'a pas été ramassé mardi, alors qu'il était bien sorti la veille au soir.",
	NULL,
};
static const char *const answers_proprete[] = {
	"Merci de votre signalement. L'équipe propreté est intervenue et le dépôt a été enlevé ; une enquête est en cours pour en retrouver l'auteur.",
	"La collecte des encombrants a lieu sur rendez-vous, le premier mercredi du mois. Vous pouvez vous inscrire auprès de l'accueil ou par retour de ce courriel.",
	"Le prestataire de collecte nous indique un incident de tournée mardi ; un rattrapage est prévu demain matin.",
	NULL,
};
static const char *const asks_accueil[] = {
	"Je voudrais un renseignement : %s. Je n'ai pas trouvé l'information sur le site de la commune.",
	"Bonjour, au sujet de %s, pouvez-vous me dire à quel service m'adresser ?",
	"Petite question : %s. Merci de me répondre par courriel, je travaille aux heures d'ouverture.",
	"Suite à mon appel de ce matin (%s), je vous envoie ma demande par écrit comme convenu.",
	NULL,
};
static const char *const answers_accueil[] = {
	"La mairie est ouverte du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h 30, ainsi que le samedi matin de 9 h à 12 h.",
	"Votre demande relève de la préfecture du Loiret ; vous pouvez effectuer la démarche en ligne sur le site de l'ANTS.",
	"Nous avons transmis votre message au service compétent, qui reviendra vers vous dans les meilleurs délais.",
	"Vous trouverez le formulaire en pièce jointe de ce message, ou à l'accueil de la mairie aux heures d'ouverture.",
	NULL,
};

static const struct mail_pool POOLS[] = {
	{ "etat-civil", "Le service de l'état civil", asks_etat_civil, answers_etat_civil },
	{ "voirie", "Les services techniques — voirie", asks_voirie, answers_voirie },
	{ "urbanisme", "Le service urbanisme", asks_urbanisme, answers_urbanisme },
	{ "affaires-scolaires", "Le service des affaires scolaires", asks_scolaire, answers_scolaire },
	{ "ccas", "Le centre communal d'action sociale (CCAS)", asks_ccas, answers_ccas },
	{ "proprete", "Le service propreté et déchets", asks_proprete, answers_proprete },
	{ "accueil", "L'accueil de la mairie", asks_accueil, answers_accueil },
};
#define NPOOLS (sizeof(POOLS) / sizeof(POOLS[0]))

static const char *const greetings[] = { "Bonjour,", "Bonjour,", "Madame, Monsieur,",
					 "Bonjour Madame, Monsieur,", "Bonsoir,",
					 "À l'attention du service concerné," };
static const char *const details[] = {
	"Je reste joignable par téléphone en fin de journée si besoin.",
	"Je précise que j'habite la commune depuis quinze ans.",
	"Je peux passer en mairie jeudi matin si c'est plus simple.",
	"Merci de m'indiquer si une pièce manque à mon dossier.",
	"C'est assez urgent pour nous, car nous partons à l'étranger le mois prochain.",
	"Je vous remercie par avance pour votre aide précieuse.",
	"",
	"",
};
static const char *const closings[] = { "Cordialement,", "Bien cordialement,",
					"Merci d'avance,", "Bien à vous,",
					"Veuillez agréer mes salutations distinguées.",
					"Salutations," };
static const char *const follow_ups[] = {
	"Merci beaucoup pour votre réponse rapide. Une dernière question : faut-il que je vienne en personne pour retirer le document ?",
	"Je vous remercie. Je vous envoie le justificatif demandé dès que possible.",
	"D'accord, mais quel est le délai habituel ? Je n'ai toujours rien reçu à ce jour.",
	"Merci, c'est très clair. Est-ce que mon conjoint peut faire la démarche à ma place ?",
	"Je me permets de vous relancer : la situation n'a pas changé depuis votre dernier message.",
	"Parfait, merci pour votre efficacité ! Bonne journée à toute l'équipe.",
	"Je ne comprends pas bien : faut-il un rendez-vous ou puis-je venir directement au guichet ?",
};
static const char *const replies_to_follow_up[] = {
	"Vous pouvez tout à fait venir aux heures d'ouverture de la mairie, sans rendez-vous, muni(e) d'une pièce d'identité.",
	"Oui, une personne de votre choix peut faire la démarche avec une procuration signée et une copie de votre pièce d'identité.",
	"Votre dossier est toujours en cours de traitement ; nous revenons vers vous dès que nous avons une réponse du service instructeur.",
	"Merci pour ce retour. Nous restons à votre disposition pour toute autre question.",
};
static const char *const thanks[] = {
	"Merci pour votre message, c'est bien noté.",
	"Très bien, je vous remercie.",
	"Merci ! Je passerai en mairie la semaine prochaine.",
	"Bien reçu, merci pour votre suivi.",
};

/* Senders the store does not know: material for "create the citizen". */
static const struct {
	const char *name, *addr;
} UNKNOWN[] = {
	{ "Camille Roussel-Vidal", "camille.rv@example.fr" },
	{ "Thierry Ngoma", "t.ngoma@example.fr" },
	{ "Association Les Amis du Vieux-Pont", "bureau@amis-vieux-pont.example" },
	{ "Lucie Hébert", "lucie.hebert@example.fr" },
	{ "Paul-Émile Garnier", "pe.garnier@example.fr" },
	{ "Sandrine Lefèvre-Aït Ali", "sandrine.lefevre@example.fr" },
};
#define NUNKNOWN (sizeof(UNKNOWN) / sizeof(UNKNOWN[0]))

/* ---- the messages in memory -------------------------------------------- */

enum style {
	ST_QP,       /* text/plain UTF-8 quoted-printable */
	ST_B64,      /* text/plain UTF-8 base64 */
	ST_LATIN1,   /* text/plain ISO-8859-1 8bit, headers =?ISO-8859-1?Q? */
	ST_ALT,      /* multipart/alternative text + HTML */
	ST_HTML,     /* text/html only */
	ST_PDF,      /* multipart/mixed + justificatif-domicile.pdf */
	ST_JPG,      /* multipart/mixed + nid-de-poule.jpg */
	ST_HOSTILE_ESC, ST_HOSTILE_CRLF, ST_HOSTILE_MIME,
};

struct person {
	char *name, *addr;
};

struct msg {
	char *mid;          /* without the angle brackets; owned */
	char *subject;      /* without "Re: "; owned */
	char *body;         /* UTF-8, the new text without quote; owned */
	int parent;         /* index of the message answered, -1 */
	int root;           /* index of the thread's first message */
	int person;         /* the citizen (or unknown sender) of the thread */
	int64_t at;
	size_t pool;
	enum style style;
	bool commune, answered, fresh;
};

struct mailbox {
	struct rng rng;
	int64_t now;
	struct person *people;
	size_t npeople, ncitizens; /* citizens first, then UNKNOWN */
	struct msg *m;
	size_t n, cap;
	char *err;
	size_t errlen;
};

static bool chance(struct mailbox *mb, unsigned pct)
{
	return rng_below(&mb->rng, 100) < pct;
}

#define PICK(a) RNG_PICK(&mb->rng, a)

static size_t nlist(const char *const *l)
{
	size_t n = 0;
	while (l[n])
		n++;
	return n;
}

static const char *pick_list(struct mailbox *mb, const char *const *l)
{
	return l[rng_below(&mb->rng, nlist(l))];
}

static size_t pool_of(const char *slug)
{
	for (size_t i = 0; slug && i < NPOOLS; i++)
		if (strcmp(POOLS[i].slug, slug) == 0)
			return i;
	return NPOOLS - 1; /* accueil */
}

static const char *pool_subject(struct mailbox *mb, size_t pool)
{
	for (size_t i = 0; i < DEMO_NSERVICES; i++)
		if (strcmp(DEMO_SERVICES[i].slug, POOLS[pool].slug) == 0)
			return pick_list(mb, DEMO_SERVICES[i].subjects);
	return "Demande de renseignement";
}

static void mb_free(struct mailbox *mb)
{
	for (size_t i = 0; i < mb->n; i++) {
		free(mb->m[i].mid);
		free(mb->m[i].subject);
		free(mb->m[i].body);
	}
	free(mb->m);
	for (size_t i = 0; i < mb->npeople; i++) {
		free(mb->people[i].name);
		free(mb->people[i].addr);
	}
	free(mb->people);
	memset(mb, 0, sizeof(*mb));
}

static int oom(struct mailbox *mb)
{
	snprintf(mb->err, mb->errlen, "out of memory");
	return -1;
}

/* Append a message; subject and body are copied.  Returns its index, or
 * -1 when out of memory. */
static int add_msg(struct mailbox *mb, const struct msg *proto, const char *mid,
		   const char *subject, const char *body)
{
	if (mb->n == mb->cap) {
		size_t cap = mb->cap ? mb->cap * 2 : 1024;
		struct msg *m = realloc(mb->m, cap * sizeof(*m));
		if (!m)
			return -1;
		mb->m = m;
		mb->cap = cap;
	}
	struct msg *m = &mb->m[mb->n];
	*m = *proto;
	char gen[96];
	if (!mid) {
		snprintf(gen, sizeof(gen), "demo-mail.%zu@%s", mb->n, DEMO_MAIL_DOMAIN);
		mid = gen;
	}
	m->mid = strdup(mid);
	m->subject = strdup(subject);
	m->body = strdup(body);
	if (!m->mid || !m->subject || !m->body) {
		free(m->mid);
		free(m->subject);
		free(m->body);
		return -1;
	}
	if (m->parent < 0)
		m->root = (int)mb->n;
	else
		mb->m[m->parent].answered = mb->m[m->parent].answered || m->commune;
	return (int)mb->n++;
}

/* The style of a message: mostly plain quoted-printable, then the
 * variety a reader must cope with (percentages of all messages). */
static enum style draw_style(struct mailbox *mb, bool commune)
{
	unsigned r = (unsigned)rng_below(&mb->rng, 100);
	if (commune)
		return r < 12 ? ST_ALT : r < 15 ? ST_B64 : ST_QP;
	if (r < 5)
		return ST_LATIN1;
	if (r < 12)
		return ST_ALT;
	if (r < 14)
		return ST_HTML;
	if (r < 19)
		return ST_PDF;
	if (r < 23)
		return ST_JPG;
	if (r < 25)
		return ST_B64;
	return ST_QP;
}

static void given_name(const char *full, char *out, size_t n)
{
	snprintf(out, n, "%s", full);
	char *sp = strchr(out, ' ');
	if (sp)
		*sp = '\0';
}

/* A citizen's message: greeting, request, a detail, closing, signature. */
static void citizen_text(struct mailbox *mb, struct strbuf *b, size_t pool, const char *subject,
			 const char *signer)
{
	const char *ask = pick_list(mb, POOLS[pool].asks);
	char lower[300];
	snprintf(lower, sizeof(lower), "%s", subject);
	/* "Demande de…" reads better inside a sentence as "demande de…" */
	if (lower[0] >= 'A' && lower[0] <= 'Z')
		lower[0] = (char)(lower[0] - 'A' + 'a');
	strbuf_printf(b, "%s\n\n", PICK(greetings));
	const char *pct = strstr(ask, "%s");
	strbuf_add(b, ask, (size_t)(pct - ask));
	strbuf_puts(b, lower);
	strbuf_puts(b, pct + 2);
	const char *d = PICK(details);
	strbuf_printf(b, "%s%s\n\n%s\n%s\n", *d ? "\n\n" : "", d, PICK(closings), signer);
	if (chance(mb, 20))
		strbuf_puts(b, "\n-- \nEnvoyé de mon téléphone\n");
}

static void commune_text(struct strbuf *b, const char *to_name, const char *answer, size_t pool)
{
	strbuf_printf(b, "Bonjour %s,\n\n%s\n\nNous restons à votre disposition pour tout "
		      "renseignement complémentaire.\n\nCordialement,\n\n%s\n" DEMO_MAIL_NAME "\n"
		      "1 place de la Mairie, " DEMO_POSTCODE " " DEMO_COMMUNE "\n"
		      "Accueil : 02 38 00 00 00\n",
		   to_name, answer, POOLS[pool].signature);
}

/* A commune answer to message `parent`, `delay` seconds after it; none
 * when that would be after now.  Returns the new index, -1 when none,
 * -2 when out of memory. */
static int answer(struct mailbox *mb, int parent, int64_t delay, const char *mid,
		  const char *text)
{
	struct msg *p = &mb->m[parent];
	int64_t at = p->at + delay;
	if (at > mb->now - 60)
		return -1;
	struct strbuf b = { 0 };
	commune_text(&b, mb->people[p->person].name, text, p->pool);
	struct msg proto = { .parent = parent, .root = p->root, .person = p->person, .at = at,
			     .pool = p->pool, .commune = true };
	proto.style = draw_style(mb, true);
	char *subject = strdup(p->subject);
	int i = b.bad || !subject ? -1 : add_msg(mb, &proto, mid, subject, b.p);
	free(subject);
	free(b.p);
	return i < 0 ? -2 : i;
}

/* A citizen's message in a thread (parent -1: a new one). */
static int citizen_msg(struct mailbox *mb, int person, int parent, int64_t at, size_t pool,
		       const char *mid, const char *subject, const char *text)
{
	struct strbuf b = { 0 };
	char first[80];
	given_name(mb->people[person].name, first, sizeof(first));
	if (text)
		strbuf_printf(&b, "Bonjour,\n\n%s\n\n%s\n%s\n", text, PICK(closings),
			   mb->people[person].name);
	else
		citizen_text(mb, &b, pool, subject, chance(mb, 50) ? first : mb->people[person].name);
	struct msg proto = { .parent = parent, .root = parent >= 0 ? mb->m[parent].root : 0,
			     .person = person, .at = at, .pool = pool };
	proto.style = draw_style(mb, false);
	int i = b.bad ? -1 : add_msg(mb, &proto, mid, subject, b.p);
	free(b.p);
	return i;
}

/* ---- reading the store -------------------------------------------------- */

/* One email interaction of the store, to become a message of the same
 * Message-ID. */
struct ref {
	int person;
	int64_t at, case_id;
	bool in;
	char mid[128], summary[256], service[64], case_ref[64];
};

static int by_case_then_date(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	if (x->case_id != y->case_id)
		return x->case_id < y->case_id ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The person's email interactions from the timeline, appended to refs. */
static int read_refs(struct store_tx *tx, int64_t id, int person, struct ref **refs, size_t *n,
		     size_t *cap)
{
	json_t *page = NULL;
	if (tx->ops->citizen_timeline(tx, id, NULL, TIMELINE_LIMIT, &page) != STORE_OK)
		return 0; /* a timeline that cannot be read gives no mail, not a failure */
	json_t *items = json_is_array(page) ? page : json_object_get(page, "items"), *it;
	size_t k;
	int rc = 0;
	json_array_foreach(items, k, it) {
		const char *ext = jstr(it, "external_ref");
		int64_t at;
		if (strcmp(jstr(it, "kind"), "interaction") != 0 ||
		    strcmp(jstr(it, "channel"), "email") != 0 || strncmp(ext, "<demo.", 6) != 0 ||
		    iso8601_parse(jstr(it, "at"), &at) < 0)
			continue;
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 1024;
			struct ref *r = realloc(*refs, c * sizeof(**refs));
			if (!r) {
				rc = -1;
				break;
			}
			*refs = r;
			*cap = c;
		}
		struct ref *r = &(*refs)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->person = person;
		r->at = at;
		r->case_id = json_integer_value(json_object_get(it, "case_id"));
		r->in = strcmp(jstr(it, "direction"), "in") == 0;
		size_t len = strlen(ext);
		snprintf(r->mid, sizeof(r->mid), "%.*s", (int)(len > 2 ? len - 2 : 0), ext + 1);
		snprintf(r->summary, sizeof(r->summary), "%s", jstr(it, "summary"));
		snprintf(r->service, sizeof(r->service), "%s", jstr(it, "service"));
		snprintf(r->case_ref, sizeof(r->case_ref), "%s", jstr(it, "case_ref"));
	}
	json_decref(page);
	return rc;
}

/* The citizens with an email address (name and first address), and their
 * email contacts. */
static int read_store(struct mailbox *mb, struct store *st, struct ref **refs, size_t *nrefs)
{
	struct store_tx *tx = store_tx_get(st);
	if (!tx || tx->ops->begin_read(tx) != STORE_OK) {
		snprintf(mb->err, mb->errlen, "cannot read the store");
		return -1;
	}
	mb->people = calloc(MAX_CITIZENS + NUNKNOWN, sizeof(*mb->people));
	size_t cap = 0;
	int rc = mb->people ? 0 : -1, misses = 0;
	for (int64_t id = 1; rc == 0 && mb->npeople < MAX_CITIZENS && misses < 50; id++) {
		json_t *c = NULL;
		if (tx->ops->citizen_get(tx, id, &c) != STORE_OK) {
			misses++;
			continue;
		}
		misses = 0;
		json_t *e = json_array_get(json_object_get(c, "emails"), 0);
		const char *addr = json_is_string(e) ? json_string_value(e)
						     : jstr(e, "value")[0] ? jstr(e, "value")
									   : jstr(e, "email");
		if (*addr && strchr(addr, '@')) {
			struct person *p = &mb->people[mb->npeople];
			char name[200];
			snprintf(name, sizeof(name), "%s %s", jstr(c, "given_name"),
				 jstr(c, "family_name"));
			p->name = strdup(name);
			p->addr = strdup(addr);
			if (!p->name || !p->addr)
				rc = -1;
			mb->npeople++;
			if (rc == 0)
				rc = read_refs(tx, id, (int)mb->npeople - 1, refs, nrefs, &cap);
		}
		json_decref(c);
	}
	tx->ops->commit(tx);
	mb->ncitizens = mb->npeople;
	for (size_t i = 0; rc == 0 && i < NUNKNOWN; i++) {
		struct person *p = &mb->people[mb->npeople++];
		p->name = strdup(UNKNOWN[i].name);
		p->addr = strdup(UNKNOWN[i].addr);
		if (!p->name || !p->addr)
			rc = -1;
	}
	if (rc < 0)
		return oom(mb);
	if (!mb->ncitizens) {
		snprintf(mb->err, mb->errlen, "the store holds no citizen with an email address");
		return -1;
	}
	return 0;
}

/* ---- building the threads ------------------------------------------------ */

/* The subject a citizen wrote for a contact the agent summed up in the
 * timeline (DEMO_LOOSE): same matter, the citizen's words. */
static void loose_subject(const char *summary, char *out, size_t n)
{
	static const struct {
		const char *summary, *subject;
	} map[] = {
		{ "Demande d'information sur les horaires d'ouverture.", "Horaires d'ouverture de la mairie" },
		{ "Renseignement sur la prochaine collecte des encombrants.",
		  "Prochaine collecte des encombrants" },
		{ "Orienté vers la préfecture pour un titre de séjour.",
		  "Renouvellement de mon titre de séjour" },
		{ "Orienté vers la CAF pour une question d'allocations.", "Question sur mes allocations" },
		{ "Question sur le stationnement résidentiel.", "Stationnement résidentiel" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(summary, map[i].summary) == 0) {
			snprintf(out, n, "%s", map[i].subject);
			return;
		}
	size_t len = strlen(summary);
	snprintf(out, n, "%.*s", (int)(len && summary[len - 1] == '.' ? len - 1 : len), summary);
}

/* The first sentence of a commune mail whose timeline summary is `s`
 * (the store's words are an agent's note, not a letter). */
static const char *opening_of(const char *s)
{
	static const char ack[] = "Accusé de réception";
	if (strncmp(s, ack, sizeof(ack) - 1) == 0)
		return "Nous accusons bonne réception de votre demande, qui a été transmise au service"
		       " compétent.";
	if (strstr(s, "relance"))
		return "Nous revenons vers vous : il manque encore une pièce à votre dossier.";
	if (strstr(s, "enregistrée"))
		return "Votre demande a bien été enregistrée.";
	return "Suite à votre demande,";
}

/* Each case's email contacts become one thread: the citizen's request and
 * the commune's answers (an acknowledgement, a reminder), with the
 * Message-IDs the desk's timeline holds.  A case the citizen opened by
 * phone or at the counter gets the commune's mail alone, to which some
 * citizens say thanks. */
static int threads_from_store(struct mailbox *mb, struct ref *refs, size_t n)
{
	qsort(refs, n, sizeof(*refs), by_case_then_date);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && refs[j].person == refs[i].person && refs[j].case_id == refs[i].case_id &&
		       (refs[i].case_id || j == i))
			j++;
		int last_citizen = -1, last = -1;
		for (size_t k = i; k < j; k++) {
			struct ref *r = &refs[k];
			size_t pool = pool_of(r->service[0] ? r->service : NULL);
			int idx;
			if (r->in) {
				char subject[256];
				loose_subject(r->summary, subject, sizeof(subject));
				idx = citizen_msg(mb, r->person, last, r->at, pool, r->mid,
						  last >= 0 ? mb->m[last].subject : subject, NULL);
				if (idx < 0)
					return oom(mb);
				last_citizen = last = idx;
				if (!r->case_id) {
					/* information asked by mail: answered the same way */
					int a = answer(mb, idx, 3600 + (int64_t)rng_below(&mb->rng, 3 * DAY),
						       NULL, pick_list(mb, POOLS[pool].answers));
					if (a == -2)
						return oom(mb);
				}
				continue;
			}
			char text[800];
			snprintf(text, sizeof(text), "%s %s", opening_of(r->summary),
				 pick_list(mb, POOLS[pool].answers));
			if (last_citizen >= 0) {
				idx = answer(mb, last, r->at - mb->m[last].at, r->mid, text);
				if (idx == -2)
					return oom(mb);
				if (idx >= 0)
					last = idx;
				continue;
			}
			/* the commune writes first: "Votre demande DEM-…" */
			struct strbuf b = { 0 };
			commune_text(&b, mb->people[r->person].name, text, pool);
			char subject[160];
			if (r->case_ref[0])
				snprintf(subject, sizeof(subject), "Votre demande %s — mairie de %s",
					 r->case_ref, DEMO_COMMUNE);
			else
				snprintf(subject, sizeof(subject), "Votre demande auprès de la mairie");
			struct msg proto = { .parent = last, .root = last >= 0 ? mb->m[last].root : 0,
					     .person = r->person, .at = r->at, .pool = pool,
					     .commune = true, .style = draw_style(mb, true) };
			idx = b.bad ? -1
				    : add_msg(mb, &proto, r->mid,
					      last >= 0 ? mb->m[last].subject : subject, b.p);
			free(b.p);
			if (idx < 0)
				return oom(mb);
			last = idx;
			if (chance(mb, 25)) {
				int64_t at = r->at + 1800 + (int64_t)rng_below(&mb->rng, 2 * DAY);
				if (at < mb->now - 60) {
					idx = citizen_msg(mb, r->person, last, at, pool, NULL,
							  mb->m[last].subject, PICK(thanks));
					if (idx < 0)
						return oom(mb);
					mb->m[idx].answered = true; /* a thank-you needs no answer */
					last_citizen = last = idx;
				}
			}
		}
		i = j;
	}
	return 0;
}

/* More threads over the last six months until the mailbox holds
 * TARGET_MSGS: a request, the commune's answer after hours or days, in
 * a third of them a second question and sometimes its answer.  Recent
 * ones are left unanswered now and then: the desk's work list. */
static int threads_synthetic(struct mailbox *mb)
{
	while (mb->n < TARGET_MSGS) {
		int person = (int)rng_below(&mb->rng, mb->ncitizens);
		size_t pool = rng_below(&mb->rng, NPOOLS);
		/* denser towards now, as a mailbox read from its newest end */
		uint64_t a = rng_below(&mb->rng, (uint64_t)MAIL_DAYS * DAY),
			 b2 = rng_below(&mb->rng, (uint64_t)MAIL_DAYS * DAY);
		int64_t at = mb->now - 120 - (int64_t)(chance(mb, 50) ? (a < b2 ? a : b2) : a);
		int c = citizen_msg(mb, person, -1, at, pool, NULL, pool_subject(mb, pool), NULL);
		if (c < 0)
			return oom(mb);
		int64_t age = mb->now - at;
		if (chance(mb, age < 10 * DAY ? 80 : age < HANDLED_DAYS * DAY ? 55 : 0))
			continue;
		int64_t delay = 1800 + (int64_t)rng_below(&mb->rng, chance(mb, 70) ? DAY : 5 * DAY);
		int r = answer(mb, c, delay, NULL, pick_list(mb, POOLS[pool].answers));
		if (r == -2)
			return oom(mb);
		if (r < 0 || !chance(mb, 33))
			continue;
		int64_t at2 = mb->m[r].at + 600 + (int64_t)rng_below(&mb->rng, 3 * DAY);
		if (at2 > mb->now - 60)
			continue;
		int f = citizen_msg(mb, person, r, at2, pool, NULL, mb->m[c].subject, PICK(follow_ups));
		if (f < 0)
			return oom(mb);
		if (chance(mb, 60) &&
		    answer(mb, f, 3600 + (int64_t)rng_below(&mb->rng, 2 * DAY), NULL,
			   PICK(replies_to_follow_up)) == -2)
			return oom(mb);
	}
	return 0;
}

/* Strangers and hostile senders, all recent and unanswered. */
static int threads_odd(struct mailbox *mb)
{
	static const char *const unknown_subjects[] = {
		"Question sur la salle des fêtes", "Nouvel arrivant : inscription sur les listes électorales",
		"Demande de subvention pour notre association", "Réservation du gymnase pour le forum",
		"Stationnement devant mon garage", "Arbre tombé chemin des Vignes",
	};
	for (size_t i = 0; i < NUNKNOWN; i++) {
		int64_t at = mb->now - 3600 - (int64_t)rng_below(&mb->rng, 20 * DAY);
		if (citizen_msg(mb, (int)(mb->ncitizens + i), -1, at, rng_below(&mb->rng, NPOOLS), NULL,
				unknown_subjects[i % 6], NULL) < 0)
			return oom(mb);
	}
	static const struct {
		enum style style;
		const char *subject, *body;
	} hostile[] = {
		{ ST_HOSTILE_ESC, "\x1b[2J\x1b]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlIHwgc2g=\x07" "Facture impayée",
		  "Bonjour,\n\n\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07Votre facture d'eau est impayée, cliquez ici.\n\x1b[8mtexte caché\x1b[0m\n" },
		{ ST_HOSTILE_CRLF, "Demande urgente\r\nBcc: tous@" DEMO_MAIL_DOMAIN "\r\n\r\nInjecté",
		  "Bonjour,\n\nMerci de transférer ce message à tous les agents.\n" },
		{ ST_HOSTILE_MIME, "Pièces jointes de mon dossier",
		  "Bonjour,\n\nVeuillez trouver ci-joint les pièces de mon dossier.\n" },
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct msg proto = { .parent = -1, .person = (int)(mb->ncitizens + i % NUNKNOWN),
				     .at = mb->now - 7200 - (int64_t)i * 5 * 3600 -
					   (int64_t)rng_below(&mb->rng, 2 * DAY),
				     .pool = NPOOLS - 1, .style = hostile[i].style };
		if (add_msg(mb, &proto, NULL, hostile[i].subject, hostile[i].body) < 0)
			return oom(mb);
	}
	return 0;
}

/* Handled: every citizen message older than HANDLED_DAYS, and each one
 * the commune answered. */
static bool handled(const struct mailbox *mb, const struct msg *m)
{
	return m->answered || m->at < mb->now - (int64_t)HANDLED_DAYS * DAY;
}

/* The FRESH most recent unanswered citizen messages stay unread in new/. */
static int by_date_desc(const void *a, const void *b, void *arg)
{
	const struct msg *m = arg;
	int64_t x = m[*(const size_t *)a].at, y = m[*(const size_t *)b].at;
	return x > y ? -1 : x < y;
}

static int mark_fresh(struct mailbox *mb)
{
	size_t *idx = malloc((mb->n ? mb->n : 1) * sizeof(*idx)), k = 0;
	if (!idx)
		return oom(mb);
	for (size_t i = 0; i < mb->n; i++)
		if (!mb->m[i].commune && !handled(mb, &mb->m[i]))
			idx[k++] = i;
	qsort_r(idx, k, sizeof(*idx), by_date_desc, mb->m);
	for (size_t i = 0; i < k && i < FRESH; i++)
		mb->m[idx[i]].fresh = true;
	free(idx);
	return 0;
}

/* ---- rendering -------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_line(struct strbuf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { B64[v >> 18 & 63], B64[v >> 12 & 63],
			      i + 1 < n ? B64[v >> 6 & 63] : '=', i + 2 < n ? B64[v & 63] : '=' };
		strbuf_add(b, q, 4);
	}
}

static void b64_body(struct strbuf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		b64_line(b, s + i, n - i < 57 ? n - i : 57);
		strbuf_puts(b, "\n");
	}
}

/* Quoted-printable (RFC 2045): lines of at most 76, soft breaks "=". */
static void qp_body(struct strbuf *b, const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			strbuf_puts(b, "\n");
			col = 0;
			continue;
		}
		char e[4];
		bool white_end = (c == ' ' || c == '\t') && (i + 1 == n || s[i + 1] == '\n');
		size_t len = 1;
		if (c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') || white_end) {
			snprintf(e, sizeof(e), "=%02X", c);
			len = 3;
		} else {
			e[0] = (char)c;
			e[1] = '\0';
		}
		if (col + len > 75) {
			strbuf_puts(b, "=\n");
			col = 0;
		}
		strbuf_add(b, e, len);
		col += len;
	}
	if (col)
		strbuf_puts(b, "\n");
}

/* UTF-8 to ISO-8859-1, with the usual French stand-ins for what Latin-1
 * lacks (œ, €, typographic quotes). Returns malloc'd bytes. */
static char *to_latin1(const char *s)
{
	struct strbuf b = { 0 };
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = *p;
		size_t len = 1;
		if (cp >= 0xc0 && cp < 0xe0 && (p[1] & 0xc0) == 0x80) {
			cp = (cp & 0x1f) << 6 | (p[1] & 0x3f);
			len = 2;
		} else if (cp >= 0xe0 && cp < 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
			cp = (cp & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			len = 3;
		} else if (cp >= 0x80) {
			while (p[len] & 0x80 && (p[len] & 0xc0) == 0x80)
				len++;
			cp = '?';
		}
		p += len;
		char c = (char)cp;
		if (cp < 0x100)
			strbuf_add(&b, &c, 1);
		else if (cp == 0x153)
			strbuf_puts(&b, "oe");
		else if (cp == 0x152)
			strbuf_puts(&b, "OE");
		else if (cp == 0x20ac)
			strbuf_puts(&b, "EUR");
		else if (cp == 0x2019 || cp == 0x2018)
			strbuf_puts(&b, "'");
		else if (cp == 0x2014 || cp == 0x2013)
			strbuf_puts(&b, "-");
		else
			strbuf_puts(&b, "?");
	}
	if (b.bad) {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		return strdup("");
	return b.p;
}

static bool is_ascii_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* An RFC 2047 encoded header value: encoded words of at most 75
 * characters, folded on "\n ", never splitting a UTF-8 sequence. */
static void hdr_encoded(struct strbuf *b, const char *s, const char *charset, bool base64)
{
	bool utf8 = strcmp(charset, "UTF-8") == 0;
	char open[32];
	int olen = snprintf(open, sizeof(open), "=?%s?%c?", charset, base64 ? 'B' : 'Q');
	size_t n = strlen(s), i = 0;
	bool first = true;
	while (i < n) {
		if (!first)
			strbuf_puts(b, "\n ");
		first = false;
		strbuf_puts(b, open);
		size_t room = 75 - (size_t)olen - 2, used = 0, start = i;
		while (i < n) {
			size_t len = 1;
			if (utf8)
				while (i + len < n && ((unsigned char)s[i + len] & 0xc0) == 0x80)
					len++;
			size_t cost = 0;
			if (base64) {
				size_t raw = i + len - start;
				cost = (raw + 2) / 3 * 4;
				if (cost > room)
					break;
			} else {
				for (size_t k = 0; k < len; k++) {
					unsigned char c = (unsigned char)s[i + k];
					bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						     (c >= '0' && c <= '9') || c == ' ';
					cost += plain ? 1 : 3;
				}
				if (used + cost > room)
					break;
				for (size_t k = 0; k < len; k++) {
					unsigned char c = (unsigned char)s[i + k];
					bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						     (c >= '0' && c <= '9');
					if (c == ' ')
						strbuf_puts(b, "_");
					else if (plain)
						strbuf_add(b, &s[i + k], 1);
					else
						strbuf_printf(b, "=%02X", c);
				}
				used += cost;
			}
			i += len;
		}
		if (i == start) /* a sequence longer than a word: cannot happen with UTF-8 */
			i += 1;
		if (base64)
			b64_line(b, (const unsigned char *)s + start, i - start);
		strbuf_puts(b, "?=");
	}
}

/* Header text: as is when printable ASCII, else encoded (Q mostly, B
 * sometimes: readers meet both). */
static void hdr_text(struct strbuf *b, const char *s, bool latin1, bool base64)
{
	if (is_ascii_text(s)) {
		strbuf_puts(b, s);
		return;
	}
	if (latin1) {
		char *l = to_latin1(s);
		if (l)
			hdr_encoded(b, l, "ISO-8859-1", false);
		else
			b->bad = true;
		free(l);
		return;
	}
	hdr_encoded(b, s, "UTF-8", base64);
}

static void hdr_addr(struct strbuf *b, const char *field, const char *name, const char *addr,
		     bool latin1, bool base64)
{
	strbuf_printf(b, "%s: ", field);
	if (is_ascii_text(name)) {
		strbuf_puts(b, "\"");
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_puts(b, "\\");
			strbuf_add(b, p, 1);
		}
		strbuf_puts(b, "\"");
	} else {
		hdr_text(b, name, latin1, base64);
	}
	strbuf_printf(b, " <%s>\n", addr);
}

static void rfc5322_date(int64_t t, char *out, size_t n)
{
	static const char *const wd[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int off = cal_paris_offset(t);
	int64_t local = t + off, days = local / DAY - (local % DAY < 0);
	int64_t sec = local - days * DAY;
	int y, m, d;
	cal_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +%02d00", wd[cal_weekday(days)], d,
		 mon[m - 1], y, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), off / 3600);
}

/* "Le 12/03/2026 à 14:05, Jeanne Martin a écrit :" and the quoted text. */
static void quote(struct strbuf *b, const struct mailbox *mb, const struct msg *p)
{
	int off = cal_paris_offset(p->at);
	int64_t local = p->at + off, days = local / DAY;
	int y, m, d;
	cal_civil_from_days(days, &y, &m, &d);
	const char *who = p->commune ? DEMO_MAIL_NAME : mb->people[p->person].name;
	strbuf_printf(b, "\nLe %02d/%02d/%04d à %02d:%02d, %s a écrit :\n", d, m, y,
		   (int)(local % DAY / 3600), (int)(local % 3600 / 60), who);
	for (const char *s = p->body; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		strbuf_puts(b, len ? "> " : ">");
		strbuf_add(b, s, len);
		strbuf_puts(b, "\n");
		s += len + (e ? 1 : 0);
	}
}

static void html_of(struct strbuf *b, const char *text)
{
	strbuf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
		    "<body style=\"font-family: Arial, sans-serif\">\n<p>");
	bool inquote = false;
	for (const char *s = text; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		bool q = len && s[0] == '>';
		if (q != inquote) {
			strbuf_puts(b, q ? "</p>\n<blockquote style=\"border-left: 2px solid #ccc\"><p>"
				      : "</p></blockquote>\n<p>");
			inquote = q;
		}
		size_t from = q ? (len > 1 && s[1] == ' ' ? 2 : 1) : 0;
		if (!len && !q)
			strbuf_puts(b, "</p>\n<p>");
		for (size_t k = from; k < len; k++) {
			char c = s[k];
			strbuf_puts(b, c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : "");
			if (c != '<' && c != '>' && c != '&')
				strbuf_add(b, &c, 1);
		}
		if (len)
			strbuf_puts(b, "<br>\n");
		s += len + (e ? 1 : 0);
	}
	strbuf_puts(b, inquote ? "</p></blockquote>\n" : "</p>\n");
	strbuf_puts(b, "</body></html>\n");
}

/* A few KB of a fake scan: a PDF shell or JPEG markers around noise. */
static void attachment(struct strbuf *b, struct rng *r, bool pdf)
{
	struct strbuf raw = { 0 };
	if (pdf)
		strbuf_puts(&raw, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
			       "endobj\n% Justificatif de domicile (document de démonstration)\n"
			       "3 0 obj\n<< /Length 2048 /Filter /FlateDecode >>\nstream\n");
	else
		strbuf_add(&raw, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20);
	size_t noise = 2048 + rng_below(r, 3072);
	for (size_t i = 0; i < noise; i += 8) {
		uint64_t v = rng_next(r);
		strbuf_add(&raw, &v, 8);
	}
	if (pdf)
		strbuf_puts(&raw, "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
	else
		strbuf_add(&raw, "\xff\xd9", 2);
	if (raw.bad)
		b->bad = true;
	else
		b64_body(b, (const unsigned char *)raw.p, raw.n);
	free(raw.p);
}

static void text_part(struct strbuf *b, const char *text, bool base64)
{
	strbuf_printf(b, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: %s\n\n",
		   base64 ? "base64" : "quoted-printable");
	if (base64)
		b64_body(b, (const unsigned char *)text, strlen(text));
	else
		qp_body(b, text, strlen(text));
}

/* The whole message as it is written to disk. */
static void render(struct strbuf *b, struct mailbox *mb, size_t i)
{
	struct msg *m = &mb->m[i];
	const struct person *p = &mb->people[m->person];
	char date[64], boundary[64];
	rfc5322_date(m->at, date, sizeof(date));
	snprintf(boundary, sizeof(boundary), "=-demo-%zu-%08llx", i,
		 (unsigned long long)(rng_next(&mb->rng) & 0xffffffffULL));
	bool latin1 = m->style == ST_LATIN1, b64h = rng_below(&mb->rng, 4) == 0;
	char from_addr[96];
	snprintf(from_addr, sizeof(from_addr), DEMO_MAIL_LOCAL "@%s", DEMO_MAIL_DOMAIN);
	strbuf_printf(b, "Return-Path: <%s>\n", m->commune ? from_addr : p->addr);
	strbuf_printf(b, "Received: from mx.%s by imap.%s; %s\n",
		   m->commune ? DEMO_MAIL_DOMAIN : strchr(p->addr, '@') + 1, DEMO_MAIL_DOMAIN, date);
	strbuf_printf(b, "Date: %s\n", date);
	if (m->style == ST_HOSTILE_ESC)
		hdr_addr(b, "From", "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2JService des eaux", p->addr,
			 false, true);
	else if (m->commune)
		hdr_addr(b, "From", DEMO_MAIL_NAME, from_addr, false, false);
	else
		hdr_addr(b, "From", p->name, p->addr, latin1, b64h);
	if (m->commune)
		hdr_addr(b, "To", p->name, p->addr, false, b64h);
	else
		hdr_addr(b, "To", DEMO_MAIL_NAME, from_addr, false, false);
	char subject[400];
	snprintf(subject, sizeof(subject), "%s%s", m->parent >= 0 ? "Re: " : "", m->subject);
	strbuf_puts(b, "Subject: ");
	if (m->style == ST_HOSTILE_CRLF) /* B, so that the CR LF only appears once decoded */
		hdr_encoded(b, subject, "UTF-8", true);
	else
		hdr_text(b, subject, latin1, b64h);
	strbuf_printf(b, "\nMessage-ID: <%s>\n", m->mid);
	if (m->parent >= 0) {
		strbuf_printf(b, "In-Reply-To: <%s>\nReferences:", mb->m[m->parent].mid);
		/* the chain from the root, as mail readers write it */
		int chain[64], nc = 0;
		for (int k = m->parent; k >= 0 && nc < 64; k = mb->m[k].parent)
			chain[nc++] = k;
		while (nc--)
			strbuf_printf(b, " <%s>", mb->m[chain[nc]].mid);
		strbuf_puts(b, "\n");
	}
	if (m->commune)
		strbuf_puts(b, "Organization: " DEMO_MAIL_NAME "\n");
	else if (chance(mb, 40))
		strbuf_puts(b, chance(mb, 50) ? "User-Agent: Mozilla Thunderbird\n"
					   : "X-Mailer: iPhone Mail (21E236)\n");
	strbuf_puts(b, "MIME-Version: 1.0\n");

	struct strbuf text = { 0 };
	strbuf_puts(&text, m->body);
	if (m->commune && m->parent >= 0)
		quote(&text, mb, &mb->m[m->parent]);
	if (text.bad) {
		b->bad = true;
		free(text.p);
		return;
	}
	switch (m->style) {
	case ST_QP:
	case ST_HOSTILE_ESC:
	case ST_HOSTILE_CRLF:
		strbuf_puts(b, "Content-Type: text/plain; charset=utf-8\n"
			    "Content-Transfer-Encoding: quoted-printable\n\n");
		qp_body(b, text.p, text.n);
		break;
	case ST_B64:
		text_part(b, text.p, true);
		break;
	case ST_LATIN1: {
		char *l = to_latin1(text.p);
		strbuf_puts(b, "Content-Type: text/plain; charset=iso-8859-1\n"
			    "Content-Transfer-Encoding: 8bit\n\n");
		if (l)
			strbuf_puts(b, l);
		else
			b->bad = true;
		free(l);
		break;
	}
	case ST_HTML: {
		struct strbuf h = { 0 };
		html_of(&h, text.p);
		strbuf_puts(b, "Content-Type: text/html; charset=utf-8\n"
			    "Content-Transfer-Encoding: quoted-printable\n\n");
		if (h.p)
			qp_body(b, h.p, h.n);
		b->bad = b->bad || h.bad;
		free(h.p);
		break;
	}
	case ST_ALT: {
		struct strbuf h = { 0 };
		html_of(&h, text.p);
		strbuf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\n\n"
			      "This is a multi-part message in MIME format.\n\n--%s\n",
			   boundary, boundary);
		text_part(b, text.p, false);
		strbuf_printf(b, "\n--%s\nContent-Type: text/html; charset=utf-8\n"
			      "Content-Transfer-Encoding: quoted-printable\n\n", boundary);
		if (h.p)
			qp_body(b, h.p, h.n);
		strbuf_printf(b, "\n--%s--\n", boundary);
		b->bad = b->bad || h.bad;
		free(h.p);
		break;
	}
	case ST_PDF:
	case ST_JPG: {
		bool pdf = m->style == ST_PDF;
		strbuf_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n", boundary,
			   boundary);
		text_part(b, text.p, false);
		strbuf_printf(b, "\n--%s\nContent-Type: %s; name=\"%s\"\n"
			      "Content-Disposition: attachment; filename=\"%s\"\n"
			      "Content-Transfer-Encoding: base64\n\n",
			   boundary, pdf ? "application/pdf" : "image/jpeg",
			   pdf ? "justificatif-domicile.pdf" : "nid-de-poule.jpg",
			   pdf ? "justificatif-domicile.pdf" : "nid-de-poule.jpg");
		attachment(b, &mb->rng, pdf);
		strbuf_printf(b, "\n--%s--\n", boundary);
		break;
	}
	case ST_HOSTILE_MIME:
		/* the parts' boundary is not the declared one, a part claims
		 * base64 and is not, and the closing delimiter never comes */
		strbuf_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n", boundary,
			   boundary);
		text_part(b, text.p, false);
		strbuf_printf(b, "\n--%sX\nContent-Type: application/octet-stream; name=\"piece.pdf\"\n"
			      "Content-Transfer-Encoding: base64\n\n!!! pas du base64 ###\n%%PDF-\n--%.*s\n",
			   boundary, (int)strlen(boundary) - 1, boundary);
		break;
	}
	free(text.p);
}

/* ---- the Maildir --------------------------------------------------------- */

static int mkdir_p(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int make_maildir(const char *md, char *err, size_t errlen)
{
	static const char *const sub[] = { "", "/cur", "/new", "/tmp", "/Sent", "/Sent/cur",
					   "/Sent/new", "/Sent/tmp" };
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char p[PATH_MAX + 128];
		snprintf(p, sizeof(p), "%s%s", md, sub[i]);
		if (mkdir_p(p, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Write data to folder/tmp/name, then rename it to folder/{new,cur}/name
 * (with ":2,S" in cur): a reader never sees half a message. */
static int deliver_file(const char *folder, const char *name, bool fresh, const char *data,
			size_t n, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 512], dst[PATH_MAX + 512];
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", folder, name);
	snprintf(dst, sizeof(dst), "%s/%s/%s%s", folder, fresh ? "new" : "cur", name,
		 fresh ? "" : ":2,S");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (close(fd) < 0 || off < n || rename(tmp, dst) < 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno ? errno : EIO));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_file(const char *path, const char *data, mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(data);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- running notmuch ---------------------------------------------------- */

/* Run notmuch with argv (argv[0] "notmuch") and NOTMUCH_CONFIG=DIR/conf,
 * stdout to /dev/null and stderr appended to DIR/notmuch.log.  Safe from a
 * threaded process (posix_spawn); the child gets default signals back
 * (the server blocks SIGINT/SIGTERM and ignores SIGPIPE). */
static int run_notmuch(const char *dir, const char *conf, char *const argv[], char *err,
		       size_t errlen)
{
	char config[PATH_MAX + 128], logf[PATH_MAX + 64];
	snprintf(config, sizeof(config), "NOTMUCH_CONFIG=%s/%s", dir, conf);
	snprintf(logf, sizeof(logf), "%s/" LOG_FILE, dir);
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **envp = malloc((n + 2) * sizeof(*envp));
	if (!envp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NOTMUCH_CONFIG=", 15) != 0)
			envp[k++] = environ[i];
	envp[k++] = config;
	envp[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, logf, O_WRONLY | O_CREAT | O_APPEND, 0600);
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int rc = posix_spawnp(&pid, "notmuch", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	if (rc != 0) {
		snprintf(err, errlen, rc == ENOENT ? "notmuch is not installed (no notmuch in PATH;"
						     " apt-get install notmuch)"
						   : "cannot run notmuch: %s",
			 strerror(rc));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "notmuch: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "notmuch %s failed (%s %d; see %s)", argv[1],
			 WIFEXITED(status) ? "status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), logf);
		return -1;
	}
	return 0;
}

/* `notmuch new`, tried again while another writer (the desk tagging)
 * holds the database: 5 tries over about 0.75 s. */
static int notmuch_new_retry(const char *dir, const char *conf, int tries, char *err,
			     size_t errlen)
{
	char *argv[] = { "notmuch", "new", "--quiet", NULL };
	long wait_ms = 50;
	for (int t = 0;; t++) {
		if (run_notmuch(dir, conf, argv, err, errlen) == 0) {
			err[0] = '\0';
			return 0;
		}
		if (t + 1 >= tries || strstr(err, "not installed"))
			return -1;
		struct timespec ts = { 0, wait_ms * 1000000L };
		nanosleep(&ts, NULL);
		wait_ms *= 2;
	}
}

/* ---- demo_mail_create --------------------------------------------------- */

/* Stage 0: the commune's answers (Sent); 1: the citizen messages already
 * handled; 2: the rest, the desk's work. */
static int write_stage(struct mailbox *mb, const char *md, int stage)
{
	char sent[PATH_MAX + 128];
	snprintf(sent, sizeof(sent), "%s/Sent", md);
	struct strbuf b = { 0 };
	int rc = 0;
	for (size_t i = 0; i < mb->n && rc == 0; i++) {
		const struct msg *m = &mb->m[i];
		if (stage != (m->commune ? 0 : handled(mb, m) ? 1 : 2))
			continue;
		b.n = 0;
		render(&b, mb, i);
		if (b.bad) {
			rc = oom(mb);
			break;
		}
		char name[96];
		snprintf(name, sizeof(name), "%lld.M%zuP1Q1.saint-aubin", (long long)m->at, i);
		rc = deliver_file(m->commune ? sent : md, name, m->fresh, b.p, b.n, mb->err, mb->errlen);
	}
	free(b.p);
	return rc;
}

/* DIR/conf, new messages tagged `tags`. */
static int write_config(struct mailbox *mb, const char *abs, const char *conf, const char *md,
			const char *tags)
{
	struct strbuf cfg = { 0 };
	strbuf_printf(&cfg,
		   "# notmuch configuration of the guichetd demo mailbox (--demo-mail)\n"
		   "[database]\npath=%s\n\n[user]\nname=" DEMO_MAIL_NAME "\n"
		   "primary_email=" DEMO_MAIL_LOCAL "@" DEMO_MAIL_DOMAIN "\n\n"
		   "[new]\ntags=%s\nignore=\n\n[search]\nexclude_tags=deleted;spam;\n\n"
		   "[maildir]\nsynchronize_flags=true\n",
		   md, tags);
	char path[PATH_MAX + 128];
	snprintf(path, sizeof(path), "%s/%s", abs, conf);
	int rc = cfg.bad ? oom(mb) : write_file(path, cfg.p, 0600, mb->err, mb->errlen);
	free(cfg.p);
	return rc;
}

/* Written and indexed in three rounds, each with the tags its messages
 * keep, rather than indexed at once and retagged: `notmuch tag` on a
 * thousand messages would double the time the demo takes to start.  The
 * commune's mail is "sent" (no inbox), handled citizen mail
 * "guichet/replied" (out of the inbox), the rest "inbox" (and "unread"
 * for those in new/: the flags of cur/ files say seen).  DIR/notmuch-config
 * is written last: its presence says the mailbox is whole. */
static int write_and_index(struct mailbox *mb, const char *abs, const char *md)
{
	static const char *const tags[] = { "sent;", "guichet/replied;", "unread;inbox;" };
	static const char stage_conf[] = "notmuch-config.stage";
	for (int stage = 0; stage < 3; stage++)
		if (write_config(mb, abs, stage_conf, md, tags[stage]) < 0 ||
		    write_stage(mb, md, stage) < 0 ||
		    notmuch_new_retry(abs, stage_conf, 1, mb->err, mb->errlen) < 0)
			return -1;
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", abs, stage_conf);
	unlink(path);
	return write_config(mb, abs, "notmuch-config", md, tags[2]);
}

/* The threads the simulator may follow up, and the people it may write
 * as: "P\tname\taddr", "T\tperson\tpool\troot-id\tanswer-id\tsubject". */
static int write_state(struct mailbox *mb, const char *dir)
{
	struct strbuf b = { 0 };
	for (size_t i = 0; i < mb->ncitizens; i++)
		strbuf_printf(&b, "P\t%s\t%s\n", mb->people[i].name, mb->people[i].addr);
	for (size_t i = 0; i < mb->n; i++) {
		const struct msg *m = &mb->m[i];
		if (m->commune && m->parent >= 0 && (size_t)m->person < mb->ncitizens &&
		    !strchr(m->subject, '\t') && !strchr(m->subject, '\n'))
			strbuf_printf(&b, "T\t%d\t%zu\t%s\t%s\t%s\n", m->person, m->pool,
				   mb->m[m->root].mid, m->mid, m->subject);
	}
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	int rc = b.bad ? oom(mb) : write_file(path, b.p, 0600, mb->err, mb->errlen);
	free(b.p);
	return rc;
}

int demo_mail_create(struct store *st, const char *dir, int64_t now, char *err, size_t errlen)
{
	struct mailbox mb = { .rng = { 20261204 }, .now = now, .err = err, .errlen = errlen };
	char abs[PATH_MAX], md[PATH_MAX + 64];
	struct ref *refs = NULL;
	size_t nrefs = 0;
	int rc = -1;
	err[0] = '\0';
	if (mkdir_p(dir, err, errlen) < 0)
		return -1;
	/* notmuch reads a relative database path from $HOME: give it ours */
	if (!realpath(dir, abs)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(md, sizeof(md), "%s/Maildir", abs);
	struct stat sb;
	if (stat(md, &sb) == 0) {
		snprintf(err, errlen, "%s already exists: give --demo-mail a new directory", md);
		return -1;
	}
	if (read_store(&mb, st, &refs, &nrefs) < 0 || threads_from_store(&mb, refs, nrefs) < 0 ||
	    threads_synthetic(&mb) < 0 || threads_odd(&mb) < 0 || mark_fresh(&mb) < 0)
		goto out;
	if (make_maildir(md, err, errlen) < 0 || write_state(&mb, abs) < 0 ||
	    write_and_index(&mb, abs, md) < 0)
		goto out;
	rc = 0;
out:
	free(refs);
	mb_free(&mb);
	return rc;
}

/* ---- demo_mail_deliver ---------------------------------------------------- */

struct thread_line {
	int person;
	size_t pool;
	char *root, *answer, *subject; /* point into the state text */
};

int demo_mail_deliver(const char *dir, uint64_t seed, int64_t now, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	err[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct strbuf text = { 0 };
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&text, chunk, got);
	fclose(f);
	struct mailbox mb = { .rng = { seed }, .now = now, .err = err, .errlen = errlen };
	struct thread_line *th = NULL;
	size_t nth = 0, cap = 0;
	int rc = -1;
	if (text.bad || !text.p)
		goto bad;
	/* the people first: they are mb.people, as in demo_mail_create */
	size_t npeople = 0;
	for (const char *s = text.p; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		npeople += s[0] == 'P' && s[1] == '\t';
	mb.people = calloc(npeople ? npeople : 1, sizeof(*mb.people));
	if (!mb.people)
		goto bad;
	for (char *save = NULL, *line = strtok_r(text.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fld[6] = { 0 };
		int nf = 0;
		for (char *s2 = NULL, *t = strtok_r(line, "\t", &s2); t && nf < 6;
		     t = strtok_r(NULL, "\t", &s2))
			fld[nf++] = t;
		if (nf == 3 && strcmp(fld[0], "P") == 0 && mb.npeople < npeople) {
			struct person *p = &mb.people[mb.npeople];
			p->name = strdup(fld[1]);
			p->addr = strdup(fld[2]);
			mb.npeople++;
			if (!p->name || !p->addr)
				goto bad;
		} else if (nf == 6 && strcmp(fld[0], "T") == 0) {
			if (nth == cap) {
				size_t c = cap ? cap * 2 : 256;
				struct thread_line *t2 = realloc(th, c * sizeof(*th));
				if (!t2)
					goto bad;
				th = t2;
				cap = c;
			}
			th[nth++] = (struct thread_line){ atoi(fld[1]), (size_t)atol(fld[2]) % NPOOLS,
							  fld[3], fld[4], fld[5] };
		}
	}
	mb.ncitizens = mb.npeople;
	if (!mb.npeople) {
		snprintf(err, errlen, "%s lists no citizen", path);
		goto out;
	}
	char mid[128];
	snprintf(mid, sizeof(mid), "demo-mail.sim.%lld.%016llx@%s", (long long)now,
		 (unsigned long long)seed, DEMO_MAIL_DOMAIN);
	/* A follow-up hangs under a copy of the commune's answer: only its
	 * Message-ID is needed, the In-Reply-To and References say the rest. */
	struct thread_line *t = nth && chance(&mb, 50) ? &th[rng_below(&mb.rng, nth)] : NULL;
	if (t && (t->person < 0 || (size_t)t->person >= mb.npeople))
		t = NULL;
	int idx;
	if (t) {
		struct msg root = { .parent = -1, .person = t->person, .at = now - DAY, .pool = t->pool };
		struct msg ans = { .parent = 0, .person = t->person, .at = now - 3600, .pool = t->pool,
				   .commune = true };
		if (add_msg(&mb, &root, t->root, t->subject, "") < 0 ||
		    add_msg(&mb, &ans, t->answer, t->subject, "") < 0)
			goto bad;
		idx = citizen_msg(&mb, t->person, 1, now, t->pool, mid, t->subject,
				  RNG_PICK(&mb.rng, follow_ups));
	} else {
		size_t pool = rng_below(&mb.rng, NPOOLS);
		idx = citizen_msg(&mb, (int)rng_below(&mb.rng, mb.npeople), -1, now, pool, mid,
				  pool_subject(&mb, pool), NULL);
	}
	if (idx < 0)
		goto bad;
	struct strbuf out = { 0 };
	render(&out, &mb, (size_t)idx);
	char md[PATH_MAX + 64], name[128];
	snprintf(md, sizeof(md), "%s/Maildir", dir);
	snprintf(name, sizeof(name), "%lld.M%016llxP1Q1.saint-aubin", (long long)now,
		 (unsigned long long)seed);
	int w = out.bad ? oom(&mb) : deliver_file(md, name, true, out.p, out.n, err, errlen);
	free(out.p);
	if (w < 0 || notmuch_new_retry(dir, "notmuch-config", 5, err, errlen) < 0)
		goto out;
	rc = 0;
	goto out;
bad:
	oom(&mb);
out:
	free(th);
	free(text.p);
	mb_free(&mb);
	return rc;
}

/* ---- demo_mail_prepare --------------------------------------------------- */

int demo_mail_prepare(const char *where, const char *data_dir, int scale, long timeline,
		      const char *dir, bool quiet, char *err, size_t errlen)
{
	char cfg[PATH_MAX + 32];
	snprintf(cfg, sizeof(cfg), "%s/notmuch-config", dir);
	err[0] = '\0';
	if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", data_dir, strerror(errno));
		return -1;
	}
	struct store *st = store_open(where, data_dir, err, errlen);
	if (!st)
		return -1;
	int rc = 0;
	int64_t now = (int64_t)time(NULL);
	bool seeded = false;
	if (demo_store_is_empty(st)) {
		if (!quiet)
			server_log("seeding demo data (scale %d, timeline %ld) in %s", scale, timeline,
				   data_dir);
		rc = demo_seed(st, scale, timeline, now, err, errlen);
		seeded = true;
	}
	if (rc == 0 && seeded && access(cfg, F_OK) == 0) {
		snprintf(err, errlen, "%s is the mailbox of another demo database: give a new"
				      " directory (or keep --data with it)", dir);
		rc = -1;
	} else if (rc == 0 && (seeded || access(cfg, F_OK) != 0)) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = demo_mail_create(st, dir, now, err, errlen);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc == 0 && !quiet)
			server_log("demo mailbox written and indexed in %s/Maildir (%.1f s)", dir,
				   (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else if (rc == 0 && !quiet) {
		server_log("demo mailbox kept as it is in %s", dir);
	}
	store_close(st);
	return rc;
}
