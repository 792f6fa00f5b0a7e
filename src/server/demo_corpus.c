/* The demo commune's words (see demo_corpus.h).  Everything here is
 * fictional: the names are common French first and family names drawn
 * together at random, the streets and the commune do not exist. */
#include "server/demo_corpus.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define WORDS(a) { a, N(a) }

static const char *const kw_etat_civil[] = { "acte de naissance", "acte de mariage",
					     "acte de décès", "livret de famille", "pacs",
					     "reconnaissance anticipée", "changement de prénom",
					     NULL };
static const char *const kw_voirie[] = { "nid de poule", "nid-de-poule", "trottoir", "lampadaire",
					 "éclairage public", "chaussée", "signalisation", NULL };
static const char *const kw_urbanisme[] = { "permis de construire", "déclaration préalable",
					    "cadastre", "plan local d'urbanisme",
					    "certificat d'urbanisme", NULL };
static const char *const kw_scolaire[] = { "cantine", "inscription scolaire", "périscolaire",
					   "garderie", "centre de loisirs", NULL };
static const char *const kw_ccas[] = { "aide sociale", "portage de repas", "logement social",
				       "téléassistance", "aide à domicile", NULL };
static const char *const kw_proprete[] = { "encombrants", "dépôt sauvage", "poubelle",
					   "collecte des déchets", "tags", NULL };
static const char *const kw_accueil[] = { "horaires d'ouverture", "prendre rendez-vous",
					  "objet trouvé", NULL };

static const char *const sub_etat_civil[] = {
	"Demande de copie intégrale d'acte de naissance",
	"Extrait d'acte de mariage pour un dossier de retraite",
	"Acte de décès de mon père pour la succession",
	"Duplicata du livret de famille perdu lors du déménagement",
	"Dossier de mariage : liste des pièces à fournir",
	"Enregistrement d'un PACS en mairie",
	"Reconnaissance anticipée avant la naissance",
	"Erreur d'orthographe sur l'acte de naissance de ma fille",
	"Changement de prénom : prise de rendez-vous",
	"Mention de divorce à porter sur l'acte de mariage",
	NULL,
};
static const char *const sub_voirie[] = {
	"Nid-de-poule dangereux rue des Tilleuls",
	"Lampadaire éteint allée des Érables depuis une semaine",
	"Trottoir défoncé devant l'école Jean-Moulin",
	"Panneau stop arraché au carrefour de la Gare",
	"Racines d'arbre qui soulèvent la chaussée",
	"Demande de ralentisseur avenue de la Loire",
	"Plaque d'égout bruyante au passage des voitures",
	"Marquage au sol effacé sur le passage piéton",
	NULL,
};
static const char *const sub_urbanisme[] = {
	"Où en est l'instruction de mon permis de construire ?",
	"Déclaration préalable pour un abri de jardin",
	"Consultation du plan local d'urbanisme pour ma parcelle",
	"Certificat d'urbanisme avant la vente de la maison",
	"Clôture du voisin plus haute que le règlement",
	"Ravalement de façade en secteur protégé",
	"Pose de panneaux solaires sur le toit",
	NULL,
};
static const char *const sub_scolaire[] = {
	"Inscription à la cantine pour la rentrée",
	"Inscription scolaire en petite section",
	"Tarif de la garderie périscolaire du matin",
	"Allergie alimentaire : projet d'accueil individualisé",
	"Place au centre de loisirs pendant les vacances",
	"Dérogation de secteur pour l'école Marie-Curie",
	"Facture de cantine erronée pour le mois dernier",
	NULL,
};
static const char *const sub_ccas[] = {
	"Demande d'aide sociale d'urgence pour une facture d'énergie",
	"Portage de repas à domicile pour ma mère",
	"Dossier de logement social en attente",
	"Installation d'une téléassistance",
	"Aide à domicile après une hospitalisation",
	"Domiciliation administrative",
	"Colis alimentaire et épicerie solidaire",
	NULL,
};
static const char *const sub_proprete[] = {
	"Collecte des encombrants dans le quartier de la Gare",
	"Dépôt sauvage de gravats chemin des Vignes",
	"Poubelle de tri non ramassée mardi",
	"Tags sur le mur de la salle des fêtes",
	"Demande d'un nouveau bac à ordures ménagères",
	NULL,
};
static const char *const sub_accueil[] = {
	"Horaires d'ouverture de la mairie annexe",
	"Objet trouvé : portefeuille déposé à l'accueil",
	"Prendre rendez-vous pour une carte d'identité",
	"Réservation de la salle des fêtes",
	"Attestation d'accueil pour un visiteur étranger",
	"Recensement citoyen à seize ans",
	NULL,
};

const struct demo_service DEMO_SERVICES[] = {
	{ "etat-civil", "État civil", kw_etat_civil, "{\"answer\": {\"default\": \"5d\"}}",
	  sub_etat_civil },
	{ "voirie", "Voirie et éclairage", kw_voirie, NULL, sub_voirie },
	{ "urbanisme", "Urbanisme", kw_urbanisme, "{\"answer\": {\"default\": \"30d\"}}",
	  sub_urbanisme },
	{ "affaires-scolaires", "Affaires scolaires et périscolaires", kw_scolaire, NULL,
	  sub_scolaire },
	{ "ccas", "CCAS — action sociale", kw_ccas,
	  "{\"answer\": {\"default\": \"10d\"}, \"urgent\": \"4h\"}", sub_ccas },
	{ "proprete", "Propreté et déchets", kw_proprete, NULL, sub_proprete },
	{ "accueil", "Accueil général", kw_accueil, "{\"answer\": {\"default\": \"5d\"}}",
	  sub_accueil },
};
const size_t DEMO_NSERVICES = N(DEMO_SERVICES);

/* alice's services are those the integration tests route to her
 * (etat-civil, affaires-scolaires); voirie and urbanisme stay outside, to
 * show the restricted view. */
const struct demo_agent DEMO_AGENTS[] = {
	{ "alice", "Alice Martin", "agent", "etat-civil,affaires-scolaires,accueil" },
	{ "sophie", "Sophie Lefèvre", "supervisor",
	  "etat-civil,voirie,urbanisme,affaires-scolaires,ccas,proprete,accueil" },
	{ "admin", "Administrateur", "admin", "" },
	{ "karim", "Karim Benali", "agent", "voirie,proprete" },
	{ "lucie", "Lucie Garnier", "agent", "urbanisme,voirie" },
	{ "mathieu", "Mathieu Roux", "agent", "ccas,accueil" },
	{ "nadia", "Nadia Haddad", "agent", "etat-civil,accueil" },
	{ "thomas", "Thomas Dupré", "agent", "urbanisme,proprete" },
	{ "ines", "Inès Moreau", "agent", "affaires-scolaires,ccas" },
	/* The telephony bridge's account: it posts CTI events with a token from
	 * `guichetd token create pbx`, and has no password. */
	{ "pbx", "Autocommutateur", "service", "" },
};
const size_t DEMO_NAGENTS = N(DEMO_AGENTS);

static const char *const given[] = {
	"Élodie", "Karim", "Anaïs", "Jérôme", "Maëlle", "François", "Hélène", "Loïc", "Zoé",
	"Noël", "Inès", "Benoît", "Chloé", "Théo", "Léa", "Mathéo", "Aurélie", "Cédric", "Agnès",
	"Raphaël", "Clémence", "Gaëtan", "Joëlle", "Stéphane", "Océane", "Frédéric", "Mélanie",
	"Sébastien", "Valérie", "Rémi", "Manon", "Hugo", "Camille", "Louise", "Jules", "Emma",
	"Gabriel", "Nathalie", "Philippe", "Sylvie", "Pascal", "Isabelle", "Yannick", "Fatima",
	"Mohamed", "Awa", "Moussa", "Nguyen", "Linh", "Jean-Pierre", "Marie-Thérèse", "Lucas",
	"Ambre", "Kévin", "Cécile", "Bérénice", "Andrée", "Gérard", "Françoise", "Pénélope",
};
static const char *const family[] = {
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
	"Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
	"Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
	"Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
	"Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Mathieu", "Clément",
	"Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
	"Lœuvre", "Bénard", "Ménard", "Pelletier", "Hébert", "Lécuyer", "Châtelain", "Côté",
	"Béranger", "Da Silva", "N'Diaye", "Traoré", "Benhamou", "Le Gall", "Kerbrat", "Éthève",
	"Aït-Ali", "Nguyen", "Saint-Just", "Delacroix",
};
static const char *const streets[] = {
	"rue des Tilleuls", "allée des Érables", "avenue de la Loire", "place de la Mairie",
	"rue Jean-Jaurès", "chemin des Vignes", "rue de la Gare", "impasse des Hirondelles",
	"boulevard Victor-Hugo", "rue Pasteur", "rue du Château-d'Eau", "quai des Mariniers",
	"rue Marie-Curie", "route d'Orléans", "rue de l'Église", "square Jean-Moulin",
	"rue des Écoles", "allée des Peupliers", "rue Saint-Éloi", "résidence Les Glycines",
};
static const char *const notes[] = {
	"Pièce d'identité reçue, dossier complet.",
	"Justificatif de domicile de moins de trois mois demandé par courriel.",
	"L'usagère rappellera jeudi matin avec le numéro de dossier.",
	"Transmis au responsable du service pour validation.",
	"Rendez-vous fixé au guichet mardi à 10 h 30.",
	"Déplacement sur place prévu par l'équipe technique.",
	"Réponse envoyée par courrier recommandé.",
	"Dossier incomplet : manque l'avis d'imposition.",
	"L'usager souhaite être recontacté par SMS plutôt que par téléphone.",
	"Situation urgente signalée par l'assistante sociale.",
};
static const char *const follow_ups[] = {
	"Rappel de l'usager pour connaître l'avancement.",
	"Passage au guichet pour déposer les justificatifs.",
	"Courrier de réponse envoyé.",
	"Échange sur le chat : précisions sur les pièces à fournir.",
	"Formulaire en ligne complété.",
	"SMS envoyé : votre dossier est en cours de traitement.",
	"Appel sortant : message laissé sur le répondeur.",
	"Courriel de relance pour la pièce manquante.",
};
static const char *const acks[] = {
	"Accusé de réception envoyé.",
	"Accusé de réception : délai de réponse annoncé.",
	"Votre demande a bien été enregistrée.",
};
static const char *const loose[] = {
	"Demande d'information sur les horaires d'ouverture.",
	"Question sur les démarches en ligne.",
	"Renseignement sur la prochaine collecte des encombrants.",
	"Orienté vers la préfecture pour un titre de séjour.",
	"Orienté vers la CAF pour une question d'allocations.",
	"Demande d'attestation de domicile.",
	"Question sur le stationnement résidentiel.",
};
static const char *const survey_comments[] = {
	"Très bon accueil, merci.",
	"Réponse rapide et claire.",
	"J'ai dû appeler trois fois avant d'avoir quelqu'un.",
	"Agent très aimable et patient.",
	"Délai un peu long mais problème résolu.",
	"Je n'ai pas compris quelles pièces envoyer.",
};
static const char *const tags[] = {
	"senior", "famille nombreuse", "personne à mobilité réduite", "malentendant",
	"interprète", "élu",
};

const struct demo_words DEMO_GIVEN = WORDS(given), DEMO_FAMILY = WORDS(family),
			DEMO_STREETS = WORDS(streets), DEMO_NOTES = WORDS(notes),
			DEMO_FOLLOW_UPS = WORDS(follow_ups), DEMO_ACKS = WORDS(acks),
			DEMO_LOOSE = WORDS(loose), DEMO_SURVEY_COMMENTS = WORDS(survey_comments),
			DEMO_TAGS = WORDS(tags);

const struct demo_template DEMO_TEMPLATES[] = {
	{ "bonjour", "Salutation", "Bonjour {citizen.name}, merci de votre message.", NULL },
	{ "accuse-reception", "Accusé de réception",
	  "Bonjour {citizen.name}, votre demande {case.ref} a bien été reçue. Nous vous "
	  "répondrons au plus tard le {case.due}.",
	  NULL },
	{ "piece-manquante", "Pièce manquante",
	  "Bonjour {citizen.name}, pour traiter votre dossier {case.ref}, merci de nous "
	  "transmettre un justificatif de domicile de moins de trois mois.",
	  NULL },
	{ "cloture", "Clôture",
	  "Votre demande {case.ref} est traitée. Merci de nous donner votre avis en répondant "
	  "à la courte enquête qui va suivre.",
	  NULL },
	{ "acte-naissance", "Acte de naissance",
	  "La copie intégrale de votre acte de naissance vous sera envoyée par courrier sous "
	  "cinq jours ouvrés. Aucun frais n'est demandé.",
	  "etat-civil" },
	{ "signalement-voirie", "Signalement transmis",
	  "Merci pour votre signalement. L'équipe voirie interviendra dans les meilleurs délais.",
	  "voirie" },
	{ "cantine", "Inscription cantine",
	  "L'inscription à la cantine se fait sur le portail famille ou au guichet, avec le "
	  "carnet de vaccination et un justificatif de domicile.",
	  "affaires-scolaires" },
};
const size_t DEMO_NTEMPLATES = N(DEMO_TEMPLATES);

const struct demo_article DEMO_ARTICLES[] = {
	{ "Obtenir un acte de naissance",
	  "Demande en ligne, par courrier ou au guichet de la commune de naissance. Gratuit. "
	  "Préciser nom, prénoms, date de naissance et noms des parents.",
	  "etat-civil" },
	{ "Se marier à Saint-Aubin-sur-Loire",
	  "Dossier à déposer au moins deux mois avant la date : pièces d'identité, actes de "
	  "naissance de moins de trois mois, justificatifs de domicile, liste des témoins.",
	  "etat-civil" },
	{ "Signaler un problème sur la voie publique",
	  "Nids-de-poule, éclairage, signalisation : noter l'adresse exacte et, si possible, "
	  "une photo. Intervention sous cinq jours ouvrés, immédiate en cas de danger.",
	  "voirie" },
	{ "Permis de construire : délais d'instruction",
	  "Deux mois pour une maison individuelle, trois mois pour les autres projets, un mois "
	  "pour une déclaration préalable. Le délai court à partir du dossier complet.",
	  "urbanisme" },
	{ "Inscription à la cantine et au périscolaire",
	  "Inscription annuelle sur le portail famille avant le 15 juillet. Tarif selon le "
	  "quotient familial. Projet d'accueil individualisé en cas d'allergie.",
	  "affaires-scolaires" },
	{ "Portage de repas à domicile",
	  "Pour les personnes de plus de 65 ans ou en situation de handicap. Demande auprès "
	  "du CCAS, livraison du lundi au vendredi.",
	  "ccas" },
	{ "Collecte des encombrants",
	  "Sur rendez-vous, le premier mercredi du mois. Deux mètres cubes au plus par foyer.",
	  "proprete" },
	{ "Horaires de la mairie",
	  "Du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h 30 ; le samedi de 9 h à "
	  "12 h pour l'état civil.",
	  "accueil" },
};
const size_t DEMO_NARTICLES = N(DEMO_ARTICLES);
