/* The versioned migrations of the SQLite schema (store_schema.c). */
#ifndef GUICHET_SERVER_STORE_SCHEMA_H
#define GUICHET_SERVER_STORE_SCHEMA_H

/* Number of migrations: the schema version of an up-to-date database. */
int store_schema_count(void);

/* The migration that creates the name index, which store_sqlite.c then
 * fills from the citizens already there. */
#define STORE_SCHEMA_NAME_INDEX 3

/* The SQL of migration n (1-based), or NULL. */
const char *store_schema_migration(int n);

#endif
