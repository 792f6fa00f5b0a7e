/* The store's front door: the back end is chosen at run time from where
 * the data lives (a directory: SQLite; postgresql://…: PostgreSQL), and
 * every call is handed to that driver.  Also what is the same for every
 * back end: the audit key file. */
#include "server/store_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

static const struct store_driver *driver_for(const char *where, const char **rest)
{
	*rest = where;
	if (strncmp(where, "sqlite:", 7) == 0) {
		*rest = where + 7;
		return &store_sqlite_driver;
	}
	if (strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0)
		return &store_pg_driver;
	return strstr(where, "://") ? NULL : &store_sqlite_driver;
}

struct store *store_open(const char *where, const char *data_dir, char *err, size_t errlen)
{
	const char *rest;
	if (!where || !*where)
		where = data_dir;
	const struct store_driver *d = driver_for(where, &rest);
	if (!d) {
		snprintf(err, errlen, "%.200s: unknown store (a directory, sqlite:DIR or postgresql://…)",
			 where);
		return NULL;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return NULL;
	}
	return d->open(rest, data_dir, err, errlen);
}

void store_close(struct store *st)
{
	if (st)
		st->driver->close(st);
}

struct store_tx *store_tx_get(struct store *st)
{
	return st->driver->tx_get(st);
}

const char *store_tx_error(struct store_tx *tx)
{
	return tx->store->driver->tx_error(tx);
}

int store_schema_version(struct store *st)
{
	return st->driver->schema_version(st);
}

int store_listen(struct store *st, void (*woken)(void *arg, unsigned news), void *arg)
{
	return st->driver->listen ? st->driver->listen(st, woken, arg) : 0;
}

void store_tell_routing(struct store *st)
{
	if (st && st->driver->tell_routing)
		st->driver->tell_routing(st);
}

void store_unlisten(struct store *st)
{
	if (st && st->driver->unlisten)
		st->driver->unlisten(st);
}

int store_ops_missing(struct store *st)
{
	typedef int (*op)(void);
	struct store_tx *tx = store_tx_get(st);
	int missing = 0;
	if (!tx)
		return -1;
	for (size_t off = offsetof(struct store_ops, begin_write);
	     off + sizeof(op) <= sizeof(struct store_ops); off += sizeof(op)) {
		op f;
		memcpy(&f, (const char *)tx->ops + off, sizeof(f));
		missing += f == NULL;
	}
	return missing;
}

const char *store_kind(const struct store *st)
{
	return st->driver->name;
}


