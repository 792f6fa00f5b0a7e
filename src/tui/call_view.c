/* The phone on screen (see call_view.h).  Every string of a call (the
 * number, the name the caller's phone sends) is untrusted: draw_text
 * sanitizes it. */
#include "tui/call_view.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/phone.h"
#include "core/json_get.h"

static long seconds_of(const struct phone_call *c)
{
	int64_t end = c->end_ms ? c->end_ms : loop_now_ms();
	return c->talk_ms ? (long)((end - c->talk_ms + 500) / 1000) : 0;
}

/* "+33621411845 (Aurelie Ait-Ali)": who the line says calls. */
static void caller(const struct phone_call *c, char *out, size_t n)
{
	const char *num = c->number[0] ? c->number : c->peeruri;
	if (c->peername[0])
		snprintf(out, n, "%.100s (%.100s)", num, c->peername);
	else
		snprintf(out, n, "%.200s", num);
}

/* The citizen the call is filed under, with their open cases. */
static void citizen_line(const struct desk *d, const struct phone_call *c, char *out, size_t n)
{
	const json_t *who = c->citizen_id ? store_get(d->store, STORE_CITIZEN, c->citizen_id) : NULL;
	const json_t *match = c->number[0] ? phone_citizen_of(d, c->number) : NULL;
	char cases[300] = "", name[200];
	size_t used = 0, i;
	const json_t *k;
	if (!c->citizen_id) {
		snprintf(out, n, "%s",
			 c->number[0] && !phone_number_known(d, c->number)
				 ? _(" recherche de l'appelant…")
				 : _(" numéro inconnu — u : créer l'usager (new-citizen PRÉNOM NOM)"));
		return;
	}
	const json_t *src = who ? who : match;
	snprintf(name, sizeof(name), "%s %s", jtext(src, "given_name"), jtext(src, "family_name"));
	json_array_foreach(json_object_get(who, "cases"), i, k) {
		const char *st = jtext(k, "status");
		if (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0)
			continue;
		int w = snprintf(cases + used, sizeof(cases) - used, "%s%s (%s)", used ? ", " : "",
				 jtext(k, "ref"), st);
		if (w < 0 || (size_t)w >= sizeof(cases) - used)
			break;
		used += (size_t)w;
	}
	/* a number can be spoofed: a presumption, to be checked before saying anything */
	snprintf(out, n,
		 c->citizen_chosen ? _(" usager : %s — dossiers ouverts : %s")
				   : _(" usager présumé (numéro appelant) : %s — dossiers ouverts : %s"),
		 name, cases[0] ? cases : (who ? _("aucun") : "…"));
}

/* The last line of the notes taken, for the agent to see they were. */
static const char *last_note(const struct phone_call *c)
{
	const char *nl = strrchr(c->notes, '\n');
	return nl ? nl + 1 : c->notes;
}

/* " — note : …" after the call's head line, when notes were taken. */
static void note_of(const struct phone_call *c, char *out, size_t n)
{
	if (c->notes[0])
		snprintf(out, n, _(" — note : %.200s"), last_note(c));
	else
		out[0] = '\0';
}

static void draw_lines(const char *a, const char *b, const char *keys, int bottom)
{
	draw_text(bottom - 2, 0, COLS, ROLE_OFFER, a, true);
	draw_text(bottom - 1, 0, COLS, ROLE_OFFER, b, true);
	draw_text(bottom, 0, COLS, ROLE_OFFER, keys, true);
}

bool call_view_draw(struct tui *t, int bottom)
{
	struct desk *d = t->desk;
	struct phone_call *c = phone_call_current(d), *w = phone_wrapping(d);
	char head[1200], who[300], line[512], notes[240];
	if ((!c && !w) || bottom < 5)
		return false;
	if (!c) {
		long s = seconds_of(w);
		caller(w, who, sizeof(who));
		note_of(w, notes, sizeof(notes));
		snprintf(head, sizeof(head), _(" APPEL TERMINÉ %ld:%02ld — %s%s"), s / 60, s % 60, who,
			 notes);
		citizen_line(d, w, line, sizeof(line));
		draw_lines(head, line, _(" W : code de clôture (wrapup CODE [DOSSIER])    N : noter"),
			   bottom);
		return true;
	}
	caller(c, who, sizeof(who));
	citizen_line(d, c, line, sizeof(line));
	if (c->state == CALL_RINGING) {
		snprintf(head, sizeof(head), _(" APPEL ENTRANT — %s"), who);
		draw_lines(head, line, _(" a : décrocher    x : refuser"), bottom);
		return true;
	}
	long s = seconds_of(c);
	const char *st = c->state == CALL_HELD      ? _("EN ATTENTE")
			 : c->state == CALL_DIALING ? _("APPEL EN COURS")
						    : _("EN LIGNE");
	note_of(c, notes, sizeof(notes));
	snprintf(head, sizeof(head), " %s %ld:%02ld — %s%s", st, s / 60, s % 60, who, notes);
	draw_lines(head, line,
		   c->state == CALL_HELD
			   ? _(" U : reprendre    H : raccrocher    B : transférer    N : noter")
			   : _(" H : raccrocher    Z : attente    B : transférer    N : noter"),
		   bottom);
	return true;
}

void call_view_status(const struct desk *d, char *out, size_t n)
{
	const struct phone_call *c = phone_call_current(d);
	out[0] = '\0';
	if (!phone_configured(d))
		return;
	if (!phone_up(d)) {
		snprintf(out, n, "%s", _(" · téléphone injoignable"));
	} else if (c && c->talk_ms) {
		long s = seconds_of(c);
		snprintf(out, n, _(" · ☎ %ld:%02ld"), s / 60, s % 60);
	} else if (c) {
		snprintf(out, n, "%s", _(" · ☎ sonne"));
	} else {
		snprintf(out, n, "%s", _(" · ☎ prêt"));
	}
}
