/* What a store back end gives the front door (store.c): how to open and
 * close it and hand each thread its connection.  Every driver's store
 * begins with a `struct store`, so that the front door can find its
 * driver.  Not for the API code, which sees only store.h. */
#ifndef GUICHET_SERVER_STORE_DRIVER_H
#define GUICHET_SERVER_STORE_DRIVER_H

#include "server/store.h"

struct store_driver {
	const char *name;
	/* where: a data directory (SQLite) or a connection URI (PostgreSQL);
	 * data_dir holds the node's own files (the audit key) either way */
	struct store *(*open)(const char *where, const char *data_dir, char *err, size_t errlen);
	void (*close)(struct store *st);
	struct store_tx *(*tx_get)(struct store *st);
	const char *(*tx_error)(struct store_tx *tx);
	int (*schema_version)(struct store *st);
	/* NULL when one process is all there is (store.h: store_listen) */
	int (*listen)(struct store *st, void (*woken)(void *arg, unsigned news), void *arg);
	void (*unlisten)(struct store *st);
	void (*tell_routing)(struct store *st);
};

struct store {
	const struct store_driver *driver;
};

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;


#endif
