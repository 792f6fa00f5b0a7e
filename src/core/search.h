/* What a search string is: a case reference, a mail address, a phone
 * number or name words, and its normal form.  Shared by guichetd's search
 * and the desk's offline search over its cache, so both read a query the
 * same way.  Pure functions, no I/O. */
#ifndef GUICHET_CORE_SEARCH_H
#define GUICHET_CORE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* "ref", "email", "phone" or "name"; the normal form of q goes to norm
 * (the reference as given, the mail address normalised, the number in
 * E.164, the name folded: lowercase, no accents). */
const char *search_kind(const char *q, char *norm, size_t n);

/* Does the folded name hold every folded word of the folded query, each
 * as the start of one of its words?  ("dup mar" finds "marie dupont".) */
bool search_name_match(const char *folded_name, const char *folded_query);

#endif
