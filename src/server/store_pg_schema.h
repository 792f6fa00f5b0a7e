/* The PostgreSQL schema, as a list of migrations (store_pg_schema.c):
 * migration N takes a database from version N-1 to N, in one
 * transaction.  The same tables as SQLite's (store_schema.c), written for
 * PostgreSQL; never edit a released migration: append a new one. */
#ifndef GUICHET_SERVER_STORE_PG_SCHEMA_H
#define GUICHET_SERVER_STORE_PG_SCHEMA_H

int store_pg_schema_count(void);
const char *store_pg_schema_migration(int n);

#endif
