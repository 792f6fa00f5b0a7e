/* Reading a search string (see search.h). */
#include "core/search.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/text.h"

const char *search_kind(const char *q, char *norm, size_t n)
{
	if (model_case_ref_ok(q)) {
		snprintf(norm, n, "%s", q);
		return "ref";
	}
	char buf[255];
	if (strchr(q, '@') && model_email_normalize(q, buf) == 0) {
		snprintf(norm, n, "%s", buf);
		return "email";
	}
	size_t digits = 0;
	for (const char *p = q; *p; p++)
		digits += isdigit((unsigned char)*p) != 0;
	if (digits >= 6 && model_phone_e164(q, buf) == 0) {
		snprintf(norm, n, "%s", buf);
		return "phone";
	}
	char *f = text_fold(q, strlen(q));
	snprintf(norm, n, "%s", f ? f : "");
	free(f);
	return "name";
}

static bool word_char(char c)
{
	return c && c != ' ' && c != '-' && c != '\'';
}

/* Does a word of name start with w (wlen bytes)? */
static bool has_word(const char *name, const char *w, size_t wlen)
{
	for (const char *p = name; *p; p++)
		if ((p == name || !word_char(p[-1])) && strncmp(p, w, wlen) == 0)
			return true;
	return false;
}

bool search_name_match(const char *folded_name, const char *folded_query)
{
	const char *q = folded_query;
	bool any = false;
	while (*q) {
		while (*q && !word_char(*q))
			q++;
		size_t wlen = 0;
		while (word_char(q[wlen]))
			wlen++;
		if (!wlen)
			break;
		if (!has_word(folded_name, q, wlen))
			return false;
		any = true;
		q += wlen;
	}
	return any;
}
