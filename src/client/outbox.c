/* The outbox (see outbox.h). */
#include "client/outbox.h"

#include <stdio.h>
#include <sodium.h>

#include "client/i18n.h"

void outbox_new_key(char key[32])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, 32, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int outbox_send(struct desk *d, const char *method, const char *path, const json_t *body,
		int64_t version, net_done_fn done, void *arg)
{
	char key[32], match[24];
	outbox_new_key(key);
	snprintf(match, sizeof(match), "%lld", (long long)version);
	if (!d->net || net_request(d->net, method, path, body, version ? match : NULL, key, done,
				   arg) < 0) {
		desk_error(d, _("envoi impossible : %s %s"), method, path);
		return -1;
	}
	d->pending++;
	return 0;
}
