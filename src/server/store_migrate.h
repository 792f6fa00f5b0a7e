/* guichetd migrate: a town hall's SQLite store copied into an empty
 * PostgreSQL database, ids, event log and audit chain included, then
 * checked (every table's row count, the audit chain verified on the copy). */
#ifndef GUICHET_SERVER_STORE_MIGRATE_H
#define GUICHET_SERVER_STORE_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

/* Copy the SQLite store of directory from_dir (its guichet.db, read only;
 * its audit.key signs the copied chain) into the PostgreSQL database
 * to_uri, which must hold no data yet.  One transaction: on any error
 * nothing is left in the target.  Progress and the check go to report.
 * 0, or -1 with a message in err. */
int store_migrate(const char *from_dir, const char *to_uri, FILE *report, char *err,
		  size_t errlen);

#endif
