/* The desk's mail (see mail.h): opening the index, the lists the mail
 * screens show, attachments, and the summary guichetd records. */
#include "client/mail.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/mail_lines.h"
#include "client/mail_text.h"
#include "client/mailbox.h"
#include "client/options.h"
#include "client/sync.h"
#include "client/worklist.h"
#include "core/json_get.h"

/* Threads read for a list: a screen's worth and some; the rest is asked
 * for when the agent goes there (`mail` pages from notmuch, not a copy). */
#define MAIL_PAGE 200

void mail_free(struct desk_mail *m)
{
	if (!m)
		return;
	mailbox_close(m->box);
	json_decref(m->intake.waiting);
	free(m);
}

static struct desk_mail *state(struct desk *d)
{
	if (!d->mail)
		d->mail = calloc(1, sizeof(*d->mail));
	return d->mail;
}

static const char *opt(const struct desk *d, const char *name)
{
	const char *v = options_get(d->opts, name);
	return v ? v : "";
}

struct mailbox *mail_box(struct desk *d, char *err, size_t errlen)
{
	struct desk_mail *m = state(d);
	if (!m) {
		snprintf(err, errlen, _("mémoire épuisée"));
		return NULL;
	}
	if (m->box)
		return m->box;
	if (!m->failed &&
	    mailbox_open(&m->box, opt(d, "mail_database"), opt(d, "mail_config"), m->why,
			 sizeof(m->why)) < 0)
		m->failed = true;
	if (m->failed)
		snprintf(err, errlen, "%s", m->why);
	return m->box;
}

void mail_reset(struct desk *d)
{
	if (!d->mail)
		return;
	mailbox_close(d->mail->box);
	d->mail->box = NULL;
	d->mail->failed = false;
	d->mail->revision = 0; /* what was read came from another index or query */
}

int mail_refresh(struct desk *d, const char *query, char *err, size_t errlen)
{
	struct mailbox *box = mail_box(d, err, errlen);
	json_t *items = NULL;
	if (!box)
		return -1;
	if (query)
		snprintf(d->mail->query, sizeof(d->mail->query), "%s", query);
	const char *q = *d->mail->query ? d->mail->query : opt(d, "mail_query");
	if (mailbox_threads(box, q, 0, MAIL_PAGE, &items, &d->mail->total, err, errlen) < 0)
		return -1;
	store_list_set(d->store, MAIL_LIST, items, NULL);
	sync_mail_senders(d, desk_items(d, MAIL_LIST));
	return 0;
}

int mail_work_refresh(struct desk *d)
{
	char err[512];
	json_t *items = NULL;
	long n = strtol(opt(d, "mail_worklist"), NULL, 10);
	if (n <= 0 || !mail_box(d, err, sizeof(err)))
		return 0;
	/* called at every reload of the work list (each case event): notmuch is
	 * asked again only when its index moved */
	unsigned long rev = mailbox_revision(d->mail->box);
	if (rev && rev == d->mail->revision && desk_store_list(d, MAIL_WORK))
		return 0;
	d->mail->revision = rev;
	if (mailbox_threads(d->mail->box, opt(d, "mail_query"), 0, (int)n, &items,
			    &d->mail->work_total, err, sizeof(err)) < 0) {
		desk_error(d, "%s", err);
		return -1;
	}
	store_list_set(d->store, MAIL_WORK, items, NULL);
	sync_mail_senders(d, desk_items(d, MAIL_WORK));
	worklist_build(d);
	return 0;
}

/* Seconds between two looks at the index: `notmuch new` runs every few
 * minutes at most; looking costs a reopen. */
#define MAIL_POLL_MS 3000

bool mail_poll(struct desk *d, int64_t now_ms)
{
	char err[512];
	if (!d->mail || !d->mail->box || now_ms - d->mail->polled_ms < MAIL_POLL_MS)
		return false;
	d->mail->polled_ms = now_ms;
	if (mailbox_revision(d->mail->box) == d->mail->revision)
		return false;
	mail_work_refresh(d);
	if (desk_store_list(d, MAIL_LIST) && mail_refresh(d, NULL, err, sizeof(err)) < 0)
		desk_error(d, "%s", err);
	return true;
}

json_t *mail_read_one(struct desk *d, const json_t *m)
{
	char err[256];
	struct mail_text_opts o = { opt(d, "mail_html_filter"), 0 };
	json_t *t = mail_text_file(jtext(m, "filename"), &o, err, sizeof(err));
	if (!t) {
		/* said in its place: the rest of the thread still reads */
		t = json_pack("{sssssIss}", "from", jtext(m, "from"), "subject", jtext(m, "subject"),
			      "date", (json_int_t)jint(m, "date"), "body", err);
		if (!t)
			return NULL;
		json_object_set_new(t, "unreadable", json_true());
	}
	json_object_set(t, "tags", json_object_get(m, "tags"));
	json_object_set(t, "depth", json_object_get(m, "depth"));
	json_object_set(t, "filename", json_object_get(m, "filename"));
	if (!*jtext(t, "message_id")) {
		char mid[300];
		snprintf(mid, sizeof(mid), "<%.290s>", jtext(m, "message_id"));
		json_object_set_new(t, "message_id", json_string(mid));
	}
	return t;
}

json_t *mail_read_thread(struct desk *d, const char *thread, char *err, size_t errlen)
{
	struct mailbox *box = mail_box(d, err, errlen);
	json_t *msgs = NULL, *v;
	size_t i;
	if (!box || mailbox_thread(box, thread, &msgs, err, errlen) < 0)
		return NULL;
	if (!json_array_size(msgs)) {
		json_decref(msgs);
		snprintf(err, errlen, _("courriel : pas de fil %s"), thread);
		return NULL;
	}
	json_t *read = json_array();
	json_array_foreach(msgs, i, v) json_array_append_new(read, mail_read_one(d, v));
	json_decref(msgs);
	return read;
}

int mail_open(struct desk *d, const char *thread, struct job *j, char *err, size_t errlen)
{
	char key[96];
	json_t *read = mail_read_thread(d, thread, err, errlen);
	if (!read)
		return -1;
	snprintf(key, sizeof(key), "thread:%s", thread);
	store_list_set(d->store, key, read, NULL);
	snprintf(d->mail->thread, sizeof(d->mail->thread), "%s", thread);
	d->mail->unfold = false;
	mail_relines(d);
	const json_t *first = json_array_get(desk_items(d, "%s", key), 0);
	sync_mail_senders_of(d, jtext(first, "from_addr"), j);
	return 0;
}

json_t *mail_messages(const struct desk *d)
{
	if (!d->mail || !d->mail->thread[0])
		return NULL;
	return desk_items(d, "thread:%s", d->mail->thread);
}

json_t *mail_thread_lines(const struct desk *d)
{
	if (!d->mail || !d->mail->thread[0])
		return NULL;
	return desk_items(d, "lines:%s", d->mail->thread);
}

void mail_relines(struct desk *d)
{
	char key[96];
	json_t *msgs = mail_messages(d);
	if (!msgs)
		return;
	d->mail->width = d->page_cols;
	json_t *lines = mail_lines(msgs, d->mail->unfold, d->page_cols - 1);
	snprintf(key, sizeof(key), "lines:%s", d->mail->thread);
	if (lines)
		store_list_set(d->store, key, lines, NULL);
}

const char *mail_current_thread(const struct desk *d)
{
	if (d->screen == SCREEN_THREAD)
		return d->mail && d->mail->thread[0] ? d->mail->thread : NULL;
	const json_t *it = desk_selected(d);
	if (d->screen == SCREEN_WORKLIST)
		it = json_object_get(it, "mail");
	if (d->screen != SCREEN_MAIL && d->screen != SCREEN_WORKLIST)
		return NULL;
	const char *t = json_string_value(json_object_get(it, "thread"));
	return t && *t ? t : NULL;
}

/* The answer of guichetd about an address: its list, or NULL. */
static struct store_list *sender_list(const struct desk *d, const char *addr)
{
	return *addr ? desk_store_list(d, "sender:%s", addr) : NULL;
}

json_t *mail_citizen_of(const struct desk *d, const char *addr)
{
	struct store_list *l = sender_list(d, addr);
	json_t *c, *e;
	size_t i, k;
	if (!l || l->state != LIST_LOADED)
		return NULL;
	/* a search matches loosely: only the very address is a match */
	json_array_foreach(l->items, i, c) {
		json_array_foreach(json_object_get(c, "emails"), k, e) {
			if (json_is_string(e) && strcasecmp(json_string_value(e), addr) == 0)
				return c;
		}
	}
	return NULL;
}

bool mail_sender_known(const struct desk *d, const char *addr)
{
	struct store_list *l = sender_list(d, addr);
	return l && l->state == LIST_LOADED;
}

int mail_tag(struct desk *d, const char *query, const char *add, const char *remove, char *err,
	     size_t errlen)
{
	struct mailbox *box = mail_box(d, err, errlen);
	const char *a[] = { add, NULL }, *r[] = { remove, NULL };
	if (!box)
		return -1;
	return mailbox_tag(box, query, add ? a : NULL, remove ? r : NULL, err, errlen) < 0 ? -1 : 0;
}

int mail_save(struct desk *d, int msg, int n, const char *dest, char *err, size_t errlen)
{
	json_t *msgs = mail_messages(d), *m = NULL;
	if (!msgs) {
		snprintf(err, errlen, _("save : aucun fil ouvert"));
		return -1;
	}
	if (msg > 0) {
		m = json_array_get(msgs, (size_t)msg - 1);
	} else {
		for (size_t i = json_array_size(msgs); i-- > 0 && !m;)
			if (json_array_size(json_object_get(json_array_get(msgs, i), "attachments")))
				m = json_array_get(msgs, i);
	}
	if (!m || n < 1 || (size_t)n > json_array_size(json_object_get(m, "attachments"))) {
		snprintf(err, errlen, _("save : pas de pièce jointe n° %d"), n);
		return -1;
	}
	return mail_text_save_part(jtext(m, "filename"), n, dest, err, errlen);
}

/* A quote's heading: "Le 3 mai 2026, X a écrit :", "On …, X wrote:". */
static bool quote_heading(const char *p, size_t l)
{
	while (l && (p[l - 1] == ' ' || p[l - 1] == '\r'))
		l--;
	return l && p[l - 1] == ':' && (memmem(p, l, "écrit", 6) || memmem(p, l, "wrote", 5));
}

/* Append the first lines of body that are not quoted text, folded into
 * one line. */
static void excerpt(const char *body, char *out, size_t n)
{
	size_t len = strlen(out);
	for (const char *p = body; *p && len + 1 < n;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		if (l && *p != '>' && !quote_heading(p, l)) {
			int w = snprintf(out + len, n - len, " %.*s", (int)l, p);
			len = w < 0 || (size_t)w >= n - len ? n - 1 : len + (size_t)w;
		}
		p = eol ? eol + 1 : p + l;
	}
}

/* Cut an incomplete UTF-8 sequence at the end of s (a cut buffer). */
static void trim_partial_utf8(char *s)
{
	size_t len = strlen(s), i = len;
	while (i && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (!i || (unsigned char)s[i - 1] < 0xC0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

void mail_summary(const json_t *msg, char *out, size_t n)
{
	size_t cap = n < 400 ? n : 400;
	snprintf(out, cap, "%s —", jtext(msg, "subject"));
	excerpt(jtext(msg, "body"), out, cap);
	trim_partial_utf8(out);
}

void mail_from(struct desk *d, char *out, size_t n)
{
	char err[512];
	snprintf(out, n, "%s", opt(d, "mail_from"));
	if (!*out && mail_box(d, err, sizeof(err)))
		mailbox_user(d->mail->box, out, n);
}

bool mail_is_ours(struct desk *d, const char *addr)
{
	char name[256], ours[256], from[600];
	mail_from(d, from, sizeof(from));
	mailbox_split_address(from, name, sizeof(name), ours, sizeof(ours));
	return *ours && *addr && strcasecmp(ours, addr) == 0;
}
