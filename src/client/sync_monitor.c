/* The wallboard's snapshot (GET /api/v1/monitor): read when the supervisor
 * opens it and again whenever the event stream says something moved, at
 * most one read in flight and one more after it, however many events a
 * busy hour brings (not a polling loop).  It lands in the store as two
 * lists: MONITOR_SNAPSHOT (the snapshot, one item) and "monitor" (the
 * wallboard's rows, monitor.h); a new alert is notified once. */
#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "client/monitor.h"
#include "client/sync_impl.h"
#include "core/json_get.h"

/* Whether key is among the alerts of the list before. */
static bool alert_known(const json_t *before, const char *key)
{
	size_t i;
	const json_t *a;
	json_array_foreach(before, i, a) if (strcmp(jtext(a, "key"), key) == 0) return true;
	return false;
}

static void tell_new_alerts(struct desk *d, const json_t *before, const json_t *now)
{
	size_t i;
	const json_t *a;
	json_array_foreach(now, i, a) {
		if (alert_known(before, jtext(a, "key")))
			continue;
		desk_error(d, _("alerte : %s"), jtext(a, "text"));
		if (d->ui && d->ui->notify)
			d->ui->notify(d->ui->arg, _("guichet — alerte"), jtext(a, "text"));
	}
}

static void snapshot_landed(struct desk *d, json_t *snap)
{
	struct monitor_limits lim;
	monitor_limits_from(d->opts, &lim);
	json_t *alerts = monitor_alerts(snap, &lim);
	struct store_list *old = store_list(d->store, MONITOR_ALERTS);
	if (alerts)
		tell_new_alerts(d, old ? old->items : NULL, alerts);
	json_t *rows = monitor_rows(snap, alerts, &lim);
	store_list_set(d->store, MONITOR_SNAPSHOT, json_pack("[O]", snap), NULL);
	if (alerts)
		store_list_set(d->store, MONITOR_ALERTS, alerts, NULL);
	if (rows)
		store_list_set(d->store, "monitor", rows, NULL);
}

static void on_snapshot(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	if (res->status == 200 && json_is_object(res->body))
		snapshot_landed(d, res->body);
	else
		store_list_fail(d->store, "monitor", sync_why(res));
	ticket_end(t, res);
	ticket_free(t);
	struct store_list *l = store_list(d->store, MONITOR_SNAPSHOT);
	if (l && l->flying > 0)
		l->flying--;
	if (l && l->again && !l->flying && d->monitoring) {
		l->again = false;
		sync_monitor(d, NULL);
	}
}

void sync_monitor(struct desk *d, struct job *j)
{
	char path[96];
	struct store_list *l = store_list_open(d->store, MONITOR_SNAPSHOT);
	store_list_open(d->store, "monitor");
	if (!l)
		return;
	if (!j && l->flying) { /* once more when this one lands, for all the events since */
		l->again = true;
		return;
	}
	struct monitor_limits lim;
	monitor_limits_from(d->opts, &lim);
	struct ticket *t = ticket_new(d, j, _("tableau de bord"));
	if (!t)
		return;
	t->quiet = !j; /* an event's read: no "envoi…" blinking in the status bar */
	snprintf(path, sizeof(path), "/api/v1/monitor?target=%d", lim.target_s);
	if (ticket_get(t, path, on_snapshot) == 0 && (l = store_list(d->store, MONITOR_SNAPSHOT)))
		l->flying++;
}

/* What the wallboard does not show: who looks at which record, who types. */
static bool moves_figures(const char *type)
{
	return strcmp(type, "viewing") != 0 && strcmp(type, "chat.typing") != 0 &&
	       strcmp(type, "connected") != 0;
}

void sync_monitor_event(struct desk *d, const char *type)
{
	if (d->monitoring && moves_figures(type))
		sync_monitor(d, NULL);
}

json_t *sync_monitor_snapshot(const struct desk *d)
{
	return json_array_get(desk_items(d, MONITOR_SNAPSHOT), 0);
}
