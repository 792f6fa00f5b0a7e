/* GET /chat and its files: the citizen chat page, from the binary (see
 * web.h), with the guard headers of a page that shows strangers' text. */
#include <stdio.h>
#include <string.h>

#include "server/handlers.h"
#include "server/web.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
};

const struct web_asset *web_asset_find(const char *name)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

static const char *type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

static void serve(struct req *r, const char *name)
{
	const struct web_asset *a = web_asset_find(name);
	const char *type = a ? type_of(name) : NULL;
	if (!type) {
		reply_problem(r, 404, "Not found", "no such file");
		return;
	}
	r->static_body = a->body;
	r->static_len = a->len;
	r->raw_type = type;
	r->web_page = true;
	r->status = 200;
	r->answered = true;
}

void api_web_chat(struct req *r)
{
	serve(r, "chat.html");
}

void api_web_file(struct req *r)
{
	serve(r, r->params[0]);
}

bool web_origin_valid(const char *s)
{
	const char *host = strncmp(s, "https://", 8) == 0 ? s + 8
			   : strncmp(s, "http://", 7) == 0 ? s + 7 : NULL;
	if (!host || !*host || strlen(s) >= sizeof(((struct server_config *)0)->chat_origins[0]))
		return false;
	for (const char *p = host; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-:[]", *p))
			return false; /* no path, no quote, no space, lower case */
	return true;
}

bool web_origin_allowed(const struct server_config *c, const char *origin)
{
	if (!origin)
		return false;
	for (int i = 0; i < c->nchat_origins; i++)
		if (strcmp(c->chat_origins[i], origin) == 0)
			return true;
	return false;
}

void web_csp(const struct server_config *c, char *out, size_t n)
{
	int used = snprintf(out, n,
			    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
			    " connect-src 'self'; object-src 'none'; base-uri 'none';"
			    " form-action 'self'; frame-ancestors 'self'");
	for (int i = 0; i < c->nchat_origins && used > 0 && (size_t)used < n; i++)
		used += snprintf(out + used, n - (size_t)used, " %s", c->chat_origins[i]);
}
