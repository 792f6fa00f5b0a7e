#!/usr/bin/env python3
# Bench fixture for tests/bench/desk: writes a Maildir of N small French
# messages (a town hall's mailbox: citizens writing in, the services
# answering) for neomutt + notmuch, the reference terminal program.  The
# same N always gives the same bytes (fixed seed, fixed dates), written with
# plain os calls so that 100,000 messages take seconds.
#
# usage: mkmaildir.py DIR N     (DIR/cur, DIR/new, DIR/tmp are created)
import email.utils
import os
import random
import sys
from email.header import Header

GIVEN = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Éloïse", "Théo", "Zoé",
         "Inès", "Mathis", "Louise", "Gabriel", "Jade", "Noé", "Agnès", "Frédéric",
         "Bérénice", "Cédric", "Mohamed", "Awa", "Marie-Thérèse", "Jean-Noël", "Aurélie",
         "Sylvie", "Philippe", "Valérie", "Hélène", "Jérôme", "Anaïs", "Loïc", "Maëlle"]
FAMILY = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy",
          "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Roux", "Fournier",
          "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Chevalier", "Robin",
          "Lœuvre", "Bénard", "Ménard", "Hébert", "Châtelain", "N'Diaye", "Traoré",
          "Le Gall", "Kerbrat", "Nguyen", "Aït-Ali", "Da Silva", "Delacroix"]
SERVICES = [("etat-civil", "État civil"), ("urbanisme", "Urbanisme"),
            ("affaires-scolaires", "Affaires scolaires"), ("voirie", "Voirie et propreté"),
            ("ccas", "CCAS"), ("accueil", "Accueil")]
SUBJECTS = [
    "Demande de copie intégrale d'acte de naissance",
    "Extrait d'acte de mariage pour un dossier de retraite",
    "Duplicata du livret de famille",
    "Recensement citoyen à seize ans",
    "Dossier de mariage : liste des pièces à fournir",
    "Reconnaissance anticipée avant la naissance",
    "Acte de décès de mon père pour la succession",
    "Déclaration préalable pour un abri de jardin",
    "Certificat d'urbanisme avant la vente de la maison",
    "Permis de construire : pièce complémentaire",
    "Inscription scolaire en petite section",
    "Inscription à la cantine pour la rentrée",
    "Facture de cantine erronée pour le mois de mars",
    "Nid-de-poule dangereux rue des Tilleuls",
    "Racines d'arbre qui soulèvent la chaussée",
    "Dépôt sauvage près du square Jean-Moulin",
    "Éclairage public en panne avenue de la Loire",
    "Demande d'aide pour la facture d'énergie",
    "Rendez-vous avec l'assistante sociale",
    "Horaires d'ouverture de la mairie pendant l'été",
    "Prendre rendez-vous pour une carte d'identité",
    "Attestation d'accueil pour un visiteur étranger",
    "Question sur le stationnement résidentiel",
    "Collecte des encombrants : prochaine date ?",
]
OPENINGS = [
    "Bonjour,\n\nJe me permets de vous écrire au sujet de ma demande.",
    "Madame, Monsieur,\n\nPourriez-vous m'indiquer où en est mon dossier ?",
    "Bonjour,\n\nVous trouverez ci-joint les justificatifs demandés.",
    "Bonjour,\n\nJe n'ai pas reçu de réponse à mon courriel de la semaine dernière.",
    "Madame, Monsieur,\n\nJe souhaiterais connaître les pièces à fournir.",
]
ANSWERS = [
    "Bonjour,\n\nVotre demande a bien été enregistrée sous le numéro indiqué en objet.",
    "Bonjour,\n\nPour traiter votre dossier, merci de nous transmettre un justificatif"
    "\nde domicile de moins de trois mois.",
    "Bonjour,\n\nLe document demandé vous a été envoyé par courrier ce jour.",
    "Bonjour,\n\nNous vous proposons un rendez-vous au guichet mardi à 10 h 30.",
]
STREETS = ["rue des Tilleuls", "allée des Érables", "avenue de la Loire", "rue Pasteur",
           "chemin des Vignes", "rue de la Gare", "place de la Mairie", "rue Saint-Éloi"]
DOMAIN = "mairie-saint-aubin.example"
END = 1780000000          # 2026-05-28: fixed, so that the bytes never change
SPAN = 5 * 365 * 86400    # five years of mail


def ascii_local(given, family):
    table = str.maketrans("éèêëàâäîïôöûüùçœæÉÈÊÀÂÎÔÛÇŒ' ", "eeeeaaaiioouuucoeEEEAAIOUCO--")
    s = ("%s.%s" % (given, family)).translate(table).lower()
    return "".join(c for c in s if c.isalnum() or c in ".-")


def enc(s):
    """RFC 2047 as a real mail client writes non-ASCII headers."""
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        return Header(s, "utf-8").encode()


def message(rng, i, n):
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    citizen = "%s %s" % (given, family)
    caddr = "%s%d@%s" % (ascii_local(given, family), rng.randrange(100),
                         rng.choice(["example.org", "example.net", "example.com"]))
    slug, sname = rng.choice(SERVICES)
    saddr = "%s@%s" % (slug, DOMAIN)
    subject = rng.choice(SUBJECTS)
    date = END - SPAN + SPAN * i // n + rng.randrange(max(1, SPAN // n))
    out = rng.randrange(100) < 35
    if out:
        frm, to, subject = (sname + " - Mairie", saddr), (citizen, caddr), "Re: " + subject
        body = rng.choice(ANSWERS)
    else:
        frm, to = (citizen, caddr), (sname + " - Mairie", saddr)
        if rng.randrange(100) < 20:
            subject = "Re: " + subject
        body = "%s\n\n%s\n%d %s\n45190 Saint-Aubin-sur-Loire\n" % (
            rng.choice(OPENINGS), citizen, 1 + rng.randrange(120), rng.choice(STREETS))
    body += "\n\nCordialement,\n%s\n" % (sname if out else citizen)
    head = [
        "Return-Path: <%s>" % frm[1],
        "Message-ID: <bench.%d.%d@%s>" % (n, i, DOMAIN),
        "Date: %s" % email.utils.formatdate(date).replace("-0000", "+0000"),
        "From: %s" % email.utils.formataddr((enc(frm[0]), frm[1])),
        "To: %s" % email.utils.formataddr((enc(to[0]), to[1])),
        "Subject: %s" % enc(subject),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return date, ("\n".join(head) + "\n\n" + body).encode("utf-8")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkmaildir.py DIR N")
    top, n = sys.argv[1], int(sys.argv[2])
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(top, d), exist_ok=True)
    rng = random.Random(20261123 + n)
    cur = os.path.join(top, "cur")
    for i in range(n):
        date, data = message(rng, i, n)
        flags = "S" if rng.randrange(100) < 90 else ""   # a tenth still unread
        name = os.path.join(cur, "%d.M%dP0.bench:2,%s" % (date, i, flags))
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.close(fd)


if __name__ == "__main__":
    main()
