/* The functions behind the command table (command_table.c), grouped by
 * what they touch: cmd_nav.c (moving around the desk), cmd_case.c (work on
 * cases, offers and presence), cmd_config.c (bind, set, source),
 * cmd_quality.c (the published quality export), cmd_mail.c (mail).  Each returns 0, or -1
 * with a message in c->err. */
#ifndef GUICHET_CLIENT_CMD_IMPL_H
#define GUICHET_CLIENT_CMD_IMPL_H

#include "client/command.h"
#include "client/screen.h"
#include <stdbool.h>
#include <stdint.h>

#define CMD(name) int name(struct cmd_ctx *c, int argc, char **argv)

CMD(cmd_down); CMD(cmd_up); CMD(cmd_page_down); CMD(cmd_page_up); CMD(cmd_top);
CMD(cmd_bottom); CMD(cmd_back); CMD(cmd_worklist); CMD(cmd_help); CMD(cmd_quit);
CMD(cmd_open); CMD(cmd_search); CMD(cmd_refresh); CMD(cmd_redraw); CMD(cmd_prompt);

CMD(cmd_note); CMD(cmd_status); CMD(cmd_assign); CMD(cmd_transfer); CMD(cmd_accept);
CMD(cmd_decline); CMD(cmd_presence); CMD(cmd_template); CMD(cmd_say); CMD(cmd_end);
CMD(cmd_merge); CMD(cmd_confirm); CMD(cmd_unmerge); CMD(cmd_new_case);
CMD(cmd_cases); CMD(cmd_timeline); CMD(cmd_outbox); CMD(cmd_reapply); CMD(cmd_drop);

CMD(cmd_monitor); CMD(cmd_staffing); CMD(cmd_agent); CMD(cmd_reassign);
CMD(cmd_quality);

CMD(cmd_mail); CMD(cmd_link); CMD(cmd_link_new); CMD(cmd_reply); CMD(cmd_save);
CMD(cmd_new_citizen); CMD(cmd_handled); CMD(cmd_quotes);

CMD(cmd_phone); CMD(cmd_answer); CMD(cmd_hangup); CMD(cmd_hold); CMD(cmd_resume);
CMD(cmd_call_transfer); CMD(cmd_dial); CMD(cmd_call_note); CMD(cmd_call_citizen); CMD(cmd_wrapup);

/* The caller of the call on the line (or just ended) is no citizen yet;
 * new-citizen makes them one (cmd_phone.c). */
bool cmd_phone_has_unknown(struct desk *d);
int cmd_phone_new_citizen(struct cmd_ctx *c, int argc, char **argv);

CMD(cmd_bind); CMD(cmd_unbind); CMD(cmd_set); CMD(cmd_source); CMD(cmd_color);

/* What the command's job gives back once it is done: build reads it from
 * the store (query: the list cmd_result_list copies).  Nothing without a
 * job. */
void cmd_wants(struct cmd_ctx *c, job_build_fn build, const char *query);
json_t *cmd_result_list(struct desk *d, const struct job *j);
/* s as an id (> 0): 0, or -1. */
int cmd_id(const char *s, int64_t *out);

/* The staffing of service × channel (cmd_monitor.c), with `staffing`'s
 * key=value arguments. */
int cmd_staffing_of(struct cmd_ctx *c, const char *service, const char *channel, int argc,
		    char **argv);

/* Write a message into c->err; always -1. */
int cmd_fail(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
