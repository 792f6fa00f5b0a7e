/* GET /api/v1/audit: the audit trail, for supervisors and administrators,
 * filtered by citizen or actor, newest first.  Reading it is audited too. */
#include <stdlib.h>

#include "server/api.h"
#include "server/handlers.h"

void api_audit_list(struct req *r)
{
	int limit;
	const char *cursor;
	if (req_page(r, 100, 1000, &limit, &cursor) < 0)
		return;
	const char *cit = req_query(r, "citizen_id"), *actor = req_query(r, "actor");
	int64_t citizen = cit ? strtoll(cit, NULL, 10) : 0;
	if (cit && citizen <= 0) {
		reply_problem(r, 400, "Bad citizen_id", "citizen_id: a citizen id");
		return;
	}
	struct store_tx *tx = api_tx(r);
	if (!tx || api_begin_read(r, tx) < 0)
		return;
	json_t *page = NULL;
	int rc = tx->ops->audit_list(tx, citizen, actor, cursor, limit, &page);
	if (rc == STORE_INVALID) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	if (api_audit_read(r, tx, "audit.read", "audit", 0, citizen, 200) < 0) {
		json_decref(page);
		return;
	}
	reply_json(r, 200, page);
}
