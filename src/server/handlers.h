/* Every request handler of guichetd, one per route (routes.c). */
#ifndef GUICHET_SERVER_HANDLERS_H
#define GUICHET_SERVER_HANDLERS_H

#include "server/http.h"

void api_agents(struct req *r);
void api_audit_list(struct req *r);
void api_batch(struct req *r);
void api_call_accept(struct req *r);
void api_call_decline(struct req *r);
void api_call_list(struct req *r);
void api_case_create(struct req *r);
void api_case_events(struct req *r);
void api_case_get(struct req *r);
void api_case_list(struct req *r);
void api_case_note(struct req *r);
void api_case_patch(struct req *r);
void api_case_transfer(struct req *r);
void api_chat_accept(struct req *r);
void api_chat_reassign(struct req *r);
void api_chat_close(struct req *r);
void api_chat_typing(struct req *r);
void api_chat_decline(struct req *r);
void api_chat_get(struct req *r);
void api_chat_list(struct req *r);
void api_chat_message(struct req *r);
void api_citizen_create(struct req *r);
void api_citizen_get(struct req *r);
void api_citizen_merge(struct req *r);
void api_citizen_patch(struct req *r);
void api_citizen_search(struct req *r);
void api_citizen_timeline(struct req *r);
/* api_viewing.c: collision marks */
void api_case_viewing_put(struct req *r);
void api_case_viewing_delete(struct req *r);
void api_citizen_viewing_put(struct req *r);
void api_citizen_viewing_delete(struct req *r);
void api_events(struct req *r);
void api_healthz(struct req *r);
void api_interaction_create(struct req *r);
void api_interaction_get(struct req *r);
void api_kb(struct req *r);
void api_login(struct req *r);
void api_logout(struct req *r);
void api_me(struct req *r);
void api_me_presence(struct req *r);
void api_agent_presence(struct req *r);
void api_agent_patch(struct req *r);
void api_merge_get(struct req *r);
void api_merge_undo(struct req *r);
void api_metrics(struct req *r);
void api_monitor(struct req *r);
void api_public_chat_events(struct req *r);
void api_public_chat_get(struct req *r);
void api_public_chat_message(struct req *r);
void api_public_chat_start(struct req *r);
void api_public_chat_survey(struct req *r);
void api_public_chat_ticket(struct req *r);
void api_public_subjects(struct req *r);
void api_public_quality(struct req *r);
void api_web_chat(struct req *r);
void api_web_file(struct req *r);
void api_service_patch(struct req *r);
void api_services(struct req *r);
void api_telephony_event(struct req *r);
void api_templates(struct req *r);

#endif
