/* What a caller may reach (see caller.h). */
#include "server/caller.h"

bool caller_in_service(const struct caller *c, int64_t service_id)
{
	if (c->role & ROLES_SUPERVISION)
		return true;
	for (int i = 0; i < c->nservices; i++)
		if (c->services[i] == service_id)
			return true;
	return false;
}
