/* One e-mail message, as the thread screen shows it and as the agent answers
 * it: parsing a citizen's RFC 5322 message (headers decoded, body in UTF-8,
 * attachments listed, everything terminal-safe), saving an attachment,
 * writing the reply draft the agent edits in $EDITOR and turning the edited
 * draft into the message handed to sendmail.  Mail comes from anyone, so
 * every step is bounded and never trusts the bytes (GMime 3 does the MIME
 * parsing).  The notmuch side lives elsewhere. */
#ifndef GUICHET_CLIENT_MAIL_TEXT_H
#define GUICHET_CLIENT_MAIL_TEXT_H

#include <stddef.h>

#include <jansson.h>

/* Limits a hostile message runs into (see mail_text_parse). */
enum {
	MAIL_TEXT_FILE_MAX = 64 << 20,   /* bytes of a message file */
	MAIL_TEXT_BODY_DEFAULT = 1 << 20,
	MAIL_TEXT_ATTACHMENTS_MAX = 100,
	MAIL_TEXT_REFERENCES_MAX = 50,
	MAIL_TEXT_DEPTH_MAX = 32,        /* nested multiparts */
	MAIL_TEXT_PARTS_MAX = 1000,      /* MIME parts looked at */
};

struct mail_text_opts {
	/* Command line (split on spaces, run without a shell) given the HTML
	 * on stdin, its stdout taken as the text, e.g. "w3m -dump -T
	 * text/html".  NULL or "": the built-in tag stripper.  A filter that
	 * fails, or runs over 5 s, falls back to the stripper. */
	const char *html_filter;
	/* Bytes of body text kept (0: 1 MiB); a longer body is cut at a
	 * UTF-8 boundary and ends with "\n[…]". */
	size_t body_max;
};

/* Parse one message (o may be NULL: defaults).  Returns a new object the
 * caller json_decref's, or NULL with a French message in err:
 *  {"message_id": "<x@y>" or "", "in_reply_to": "<x@y>" or "",
 *   "references": ["<a@b>", ...] (the last 50 at most),
 *   "from": "Name <addr>", "from_name": "Name", "from_addr": "addr"
 *   (lowercase), "reply_to": "addr" or "", "to": "...", "cc": "...",
 *   "subject": "...", "date": unix seconds (0: none or invalid),
 *   "body": "text", "html": true when the body came from an HTML part,
 *   "attachments": [{"n": 1, "filename": "x.pdf", "type":
 *   "application/pdf", "size": decoded bytes}, ...] (100 at most)}
 * Every string is valid UTF-8 a terminal can draw: no ESC, C0 (but '\n' in
 * the body), C1 or bidi control. */
json_t *mail_text_parse(const char *buf, size_t len, const struct mail_text_opts *o,
			char *err, size_t errlen);

/* mail_text_parse on a file (refused over MAIL_TEXT_FILE_MAX bytes). */
json_t *mail_text_file(const char *path, const struct mail_text_opts *o, char *err,
		       size_t errlen);

/* Decode attachment n (as numbered in "attachments") of the message file
 * at path into a new file dest, mode 0600; an existing dest (or a symlink
 * there) is never overwritten.  0, or -1 with err (dest then removed). */
int mail_text_save_part(const char *path, int n, const char *dest, char *err, size_t errlen);

/* The reply to msg (an object of mail_text_parse) the agent edits: From,
 * To, Subject "Re: …", In-Reply-To and References (20 at most) headers, a
 * blank line, body_top (may be NULL), a blank line, then "Le 3 décembre
 * 2026 à 14:05, Name a écrit :" and the quoted original ("> " before each
 * line).  Header values lose every control character, so no text of the
 * citizen can add a header.  Returns malloc'd text (caller frees) or NULL
 * when out of memory. */
char *mail_text_reply_draft(const json_t *msg, const char *from, const char *body_top);

/* The message to send from an edited draft (UTF-8: headers, blank line,
 * body): From, To, Cc, Bcc, Subject, In-Reply-To and References are kept
 * (RFC 2047-encoded when not ASCII), other headers dropped; Date,
 * Message-ID, MIME-Version and a text/plain UTF-8 Content-Type added.  A
 * draft without From or To, or with an empty body, is refused.  Lines end
 * in LF (for sendmail -t).  The new Message-ID (with its <>) goes to
 * msgid_out (256 bytes at least).  Returns the malloc'd message (*len_out
 * bytes, NUL-terminated) or NULL with a French message in err. */
char *mail_text_finish_draft(const char *draft, size_t len, char *msgid_out, size_t *len_out,
			     char *err, size_t errlen);

#endif
