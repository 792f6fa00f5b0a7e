/* Administration commands of guichetd (admin.c). Each returns the exit
 * status of the command and prints its own messages. */
#ifndef GUICHET_SERVER_ADMIN_H
#define GUICHET_SERVER_ADMIN_H

#include <stdbool.h>

struct admin_opts {
	const char *data_dir;
	const char *store;         /* "": SQLite in data_dir; postgresql://… */
	const char *arg1, *arg2;   /* positional arguments after the subcommand */
	const char *role, *name, *services, *keywords, *sla, *names;
	bool no_password;
	bool flag;                 /* disable (true) or enable (false) */
	int days;
};

int admin_init(const struct admin_opts *o);
int admin_agent_add(const struct admin_opts *o);
int admin_agent_list(const struct admin_opts *o);
int admin_agent_disable(const struct admin_opts *o);
int admin_service_add(const struct admin_opts *o);
int admin_service_list(const struct admin_opts *o);
int admin_service_sla(const struct admin_opts *o);
int admin_token_create(const struct admin_opts *o);
int admin_audit_verify(const struct admin_opts *o);
int admin_audit_purge(const struct admin_opts *o);

#endif
