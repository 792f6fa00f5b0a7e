/* SLA policies: how long a service has to acknowledge and to answer a
 * request, by channel and priority, in working days or working hours.
 * Defaults follow the Services Publics+ commitments: an electronic request
 * acknowledged within a week (5 working days), a postal one within two
 * (10), an answer on the merits within the delay the service announces.
 * A policy is JSON, changeable per service:
 *   {"answer": {"default": "15d", "phone": "2d", "chat": "8h"},
 *    "ack": {"email": "5d", "web": "5d", "letter": "10d"},
 *    "urgent": "8h", "high": "5d", "region": "metropole"}
 * Durations are "<n>d" (working days) or "<n>h" (working hours). */
#ifndef GUICHET_CORE_SLA_H
#define GUICHET_CORE_SLA_H

#include <stdint.h>
#include <jansson.h>

#include "core/calendar.h"

/* Check a policy (unknown keys, bad durations, bad channels are errors).
 * Returns 0 or -1 with a message in err. */
int sla_check(const json_t *policy, char *err, size_t errlen);

/* The default policy as a new JSON object (caller owns it). */
json_t *sla_default_policy(void);

/* Due date of the answer, and of the acknowledgement (*ack_due, 0 when the
 * channel needs none: phone, counter, chat answered live), for a request
 * made at `created` on `channel` (may be NULL: "default") with `priority`
 * (may be NULL: "normal").  A missing key falls back to the default policy. */
int64_t sla_due(const json_t *policy, const char *channel, const char *priority, int64_t created,
		int64_t *ack_due);

#endif
