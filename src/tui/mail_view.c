/* The mail screens' drawing (see mail_view.h).  The sender's citizen is
 * shown as guichetd matched it by address: a presumption (an address can
 * be forged), said so on the thread screen. */
#include "tui/mail_view.h"

#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "client/mail.h"
#include "core/calendar.h"
#include "core/json_get.h"

/* A date in Paris time, as every screen of the desk says it. */
static void when(int64_t t, char *out, size_t n)
{
	int y, m, d;
	if (t <= 0) {
		snprintf(out, n, "?");
		return;
	}
	int64_t local = t + cal_paris_offset(t);
	int64_t days = local / 86400 - (local % 86400 < 0), sec = local - days * 86400;
	cal_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%02d/%02d/%04d %02d:%02d", d, m, y, (int)(sec / 3600), (int)(sec / 60 % 60));
}

/* "Éloïse Lœuvre" when guichetd knows the address, else what it said. */
static void citizen_words(struct tui *t, const char *addr, char *out, size_t n)
{
	const json_t *c = mail_citizen_of(t->desk, addr);
	if (c)
		snprintf(out, n, "%s %s", jtext(c, "given_name"), jtext(c, "family_name"));
	else if (mail_sender_known(t->desk, addr))
		snprintf(out, n, "%s", _("(inconnu)"));
	else
		out[0] = '\0';
}

void mail_thread_row(struct tui *t, int y, int cols, const json_t *th, bool sel)
{
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	char date[32], who[160], count[16] = "";
	when(jint(th, "date"), date, sizeof(date));
	const char *addr = jtext(th, "from_addr");
	citizen_words(t, addr, who, sizeof(who));
	if (jint(th, "count") > 1)
		snprintf(count, sizeof(count), " [%lld]", (long long)jint(th, "count"));
	int x = draw_text(y, 0, cols, base, "", true);
	x = draw_text(y, 0, 2, base, "@", true);
	x += draw_text(y, x, 17, sel ? base : ROLE_MUTED, date, true);
	int rest = cols - x, namew = rest > 70 ? 24 : rest > 50 ? 18 : 0;
	const char *from = *jtext(th, "from_name") ? jtext(th, "from_name") : addr;
	x += draw_text(y, x, namew ? namew - 1 : 0, base, from, true) + (namew ? 1 : 0);
	int whow = rest > 60 ? 20 : 0;
	char subject[700];
	snprintf(subject, sizeof(subject), "%s%s", jtext(th, "subject"), count);
	draw_text(y, x, cols - x - whow - 1, base, subject, true);
	if (whow)
		draw_text(y, cols - whow, whow, sel ? base : ROLE_LABEL, who, true);
}

void mail_more_row(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char buf[160];
	snprintf(buf, sizeof(buf), _("… et %lld autre(s) courriel(s) à traiter — m : la liste"),
		 (long long)jint(it, "count"));
	draw_text(y, 0, cols, sel ? ROLE_SELECTED : ROLE_MUTED, buf, true);
}

static void attachment_words(const json_t *it, char *out, size_t n)
{
	long long size = (long long)jint(it, "size");
	snprintf(out, n, _("  [pièce jointe %lld.%lld] %s (%s, %lld %s) — Entrée : enregistrer"),
		 (long long)jint(it, "msg"), (long long)jint(it, "n"), jtext(it, "filename"),
		 jtext(it, "type"), size >= 10240 ? size / 1024 : size, size >= 10240 ? _("Ko") : _("o"));
}

void mail_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	const char *kind = jtext(it, "kind");
	char buf[1200], date[32];
	enum role r = sel ? ROLE_SELECTED : ROLE_NORMAL;
	if (strcmp(kind, "head") == 0) {
		when(jint(it, "date"), date, sizeof(date));
		snprintf(buf, sizeof(buf), "── %lld · %s · %s", (long long)jint(it, "msg"), date,
			 jtext(it, "from"));
		draw_text(y, 0, cols, sel ? r : ROLE_LABEL, buf, true);
	} else if (strcmp(kind, "fold") == 0) {
		snprintf(buf, sizeof(buf), _("  [… %lld ligne(s) citée(s) — Entrée ou z : les montrer]"),
			 (long long)jint(it, "count"));
		draw_text(y, 0, cols, sel ? r : ROLE_MUTED, buf, true);
	} else if (strcmp(kind, "attachment") == 0) {
		attachment_words(it, buf, sizeof(buf));
		draw_text(y, 0, cols, sel ? r : ROLE_LABEL, buf, true);
	} else {
		draw_text(y, 0, cols, sel ? r : strcmp(kind, "quote") == 0 ? ROLE_MUTED : r,
			  jtext(it, "text"), true);
	}
}

void mail_list_heading(struct tui *t, int y, int cols)
{
	char buf[300];
	struct desk *d = t->desk;
	long total = d->mail ? d->mail->total : 0;
	snprintf(buf, sizeof(buf),
		 _("%ld message(s) — Entrée : lire, l : lier à un dossier, d : traité — %s"), total,
		 d->mail && *d->mail->query ? d->mail->query : _("à traiter"));
	draw_text(y, 1, cols - 1, ROLE_MUTED, buf, true);
}

void mail_thread_heading(struct tui *t, int y, int cols)
{
	char buf[900], who[160];
	const json_t *first = json_array_get(mail_messages(t->desk), 0);
	const char *addr = jtext(first, "from_addr");
	citizen_words(t, addr, who, sizeof(who));
	snprintf(buf, sizeof(buf), _("%s — de %s — usager présumé (par l'adresse) : %s"),
		 jtext(first, "subject"), addr, *who ? who : _("…"));
	draw_text(y, 1, cols - 1, ROLE_LABEL, buf, true);
}
