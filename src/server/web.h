/* The citizen chat page that guichetd serves: the files of src/server/web,
 * embedded in the binary at build time (the Makefile writes the table), and
 * what guards them: the Content-Security-Policy and the web origins allowed
 * to embed the page or call the public API. */
#ifndef GUICHET_SERVER_WEB_H
#define GUICHET_SERVER_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"

struct web_asset {
	const char *name;   /* "chat.js" */
	const char *body;   /* static */
	size_t len;
};

/* Generated (build/gen/web_assets.c). */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The asset called name, or NULL. */
const struct web_asset *web_asset_find(const char *name);

/* The page's Content-Security-Policy for this configuration into out. */
void web_csp(const struct server_config *c, char *out, size_t n);

/* True when origin ("https://www.mairie.fr") is one of --chat-origin. */
bool web_origin_allowed(const struct server_config *c, const char *origin);

/* True when s is an origin a browser sends: scheme://host[:port], nothing
 * more (what --chat-origin accepts). */
bool web_origin_valid(const char *s);

#endif
