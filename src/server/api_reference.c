/* Reference data for the desk: services (and their SLA policy, changeable
 * by an administrator), agents, answer templates, knowledge articles. */
#include <stdlib.h>
#include <string.h>

#include "core/sla.h"
#include "core/text.h"
#include "server/api.h"
#include "server/handlers.h"
#include "server/routing.h"

static void list(struct req *r, int (*fn)(struct store_tx *, json_t **))
{
	struct store_tx *tx = api_tx(r);
	json_t *items = NULL;
	if (!tx)
		return;
	int rc = fn(tx, &items);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	reply_json(r, 200, json_pack("{soso}", "items", items, "next_cursor", json_null()));
}

void api_services(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (tx)
		list(r, tx->ops->service_list);
}

void api_agents(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (tx)
		list(r, tx->ops->agent_list);
}

void api_templates(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (tx)
		list(r, tx->ops->template_list);
}

void api_kb(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	const char *q = req_query(r, "q");
	if (!tx)
		return;
	if (q && strlen(q) > 200) {
		reply_problem(r, 400, "Query too long", "q: at most 200 bytes");
		return;
	}
	char *folded = q ? text_fold(q, strlen(q)) : NULL;
	json_t *items = NULL;
	int rc = tx->ops->kb_search(tx, folded, 50, &items);
	free(folded);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	reply_json(r, 200, json_pack("{soso}", "items", items, "next_cursor", json_null()));
}

/* PATCH /api/v1/services/{slug}: {"sla": {...}} */
void api_service_patch(struct req *r)
{
	json_t *in = req_body(r, NULL, MODEL_PATCH);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx)
		return;
	json_t *sla = json_object_get(in, "sla");
	char err[160];
	if (json_object_size(in) != 1 || !sla) {
		reply_problem(r, 422, "Invalid field", "give {\"sla\": {...}} only");
		return;
	}
	if (sla_check(sla, err, sizeof(err)) < 0) {
		reply_problem(r, 422, "Invalid SLA policy", err);
		return;
	}
	if (api_begin(r, tx) < 0)
		return;
	json_t *svc = NULL;
	int rc = tx->ops->service_get(tx, r->params[0], &svc);
	if (rc == STORE_OK)
		rc = tx->ops->service_set_sla(tx, jint(svc, "id"), sla);
	json_decref(svc);
	svc = NULL;
	if (rc == STORE_OK)
		rc = tx->ops->service_get(tx, r->params[0], &svc);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *ev = json_pack("{ss}", "service", r->params[0]);
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "service.updated", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "service.update", "service", jint(svc, "id"), 0, 200) < 0) {
		json_decref(svc);
		return;
	}
	reply_json(r, 200, svc);
	req_commit(r, tx);
}
