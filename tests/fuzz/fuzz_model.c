/* libFuzzer target: every JSON decoder of the model.  The input goes
 * through the bounded parser, then through each schema in each mode, and
 * through the SLA policy check and due-date computation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/json_bounded.h"
#include "core/model.h"
#include "core/sla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct model_schema *const schemas[] = {
	&MODEL_CITIZEN, &MODEL_CASE, &MODEL_INTERACTION, &MODEL_NOTE, &MODEL_TRANSFER,
	&MODEL_PRESENCE, &MODEL_LOGIN, &MODEL_CHAT_START, &MODEL_CHAT_MESSAGE, &MODEL_CHAT_CLOSE,
	&MODEL_SURVEY, &MODEL_TELEPHONY_EVENT, &MODEL_MERGE, &MODEL_SERVICE, &MODEL_AGENT,
	&MODEL_ROUTE_FEEDBACK,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum json_bounded_error why;
	char err[200];
	json_t *j = json_bounded_parse((const char *)data, size, NULL, &why, err, sizeof(err));
	if (!j)
		return 0;
	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		for (int mode = MODEL_CREATE; mode <= MODEL_RECORD; mode++) {
			json_t *copy = json_deep_copy(j);
			model_check(schemas[i], copy, (enum model_mode)mode, err, sizeof(err));
			json_decref(copy);
		}
	}
	if (sla_check(j, err, sizeof(err)) == 0) {
		int64_t ack;
		sla_due(j, "email", "high", 1780000000, &ack);
		sla_due(j, NULL, NULL, 1780000000, NULL);
	}
	char *out = json_bounded_dump(j);
	free(out);
	json_decref(j);
	return 0;
}
