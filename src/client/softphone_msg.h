/* What baresip's ctrl_tcp says, read into fixed records: an event
 * ({"event":true,"class":"call","type":"CALL_INCOMING",...}) or the answer
 * to a command ({"response":true,"ok":...,"data":"...","token":"..."}),
 * and the two texts of the menu module the desk reconciles with after a
 * (re)connection (`listcalls`, `callstat`).  Every string is bounded and
 * kept as baresip sent it (valid UTF-8, which jansson checks): whoever
 * draws it sanitizes it.  Pure: no I/O, fuzzed (tests/fuzz/fuzz_softphone.c). */
#ifndef GUICHET_CLIENT_SOFTPHONE_MSG_H
#define GUICHET_CLIENT_SOFTPHONE_MSG_H

#include <stdbool.h>
#include <stddef.h>

enum sp_kind { SP_EVENT, SP_RESPONSE };

struct sp_msg {
	enum sp_kind kind;
	/* an event */
	char type[40];        /* CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED… */
	char klass[16];       /* "call", "register", "other"… */
	char id[128];         /* the call's id (its SIP Call-ID) */
	char direction[16];   /* "incoming", "outgoing" */
	char peeruri[256];
	char peername[128];
	char param[256];      /* CALL_CLOSED: why */
	/* an answer */
	bool ok;
	char token[24];
	char data[8192];      /* what the command printed (cut when longer) */
};

/* Read one frame.  0, or -1 with why (not JSON, neither an event nor an
 * answer, a member of the wrong type). */
int sp_msg_parse(const char *frame, size_t n, struct sp_msg *m, char *why, size_t whylen);

/* One line of `listcalls`: "> [line 1]  0:01:05  ESTABLISHED   sip:…". */
struct sp_line {
	int line;
	bool current;         /* the ">" one: `callstat` is about it */
	long seconds;         /* how long it has been established (0 before) */
	char state[24];       /* INCOMING, OUTGOING, RINGING, EARLY, ESTABLISHED… */
	char peeruri[256];
};

/* The calls of a `listcalls` answer, at most max into lines: how many,
 * or -1 when the text is not a list of calls. */
int sp_listcalls_parse(const char *data, struct sp_line *lines, int max);

/* The call id in a `callstat` answer ("… id=1-1810@127.0.0.1 …") into
 * id: 0, or -1 when there is none. */
int sp_callstat_id(const char *data, char *id, size_t n);

/* The caller's number from a peer URI (sip:0612345678@host, tel:+33…,
 * sip:+33 6 12…;user=phone, "0033…") in E.164 into out: 0, or -1 when the
 * URI's user part is not a phone number. */
int sp_uri_number(const char *uri, char out[17]);

/* The command frame baresip reads: {"command":…,"params":…,"token":…} in
 * a netstring, into out (cap bytes): its length, or 0 when it does not fit. */
size_t sp_command_frame(const char *command, const char *params, const char *token, char *out,
			size_t cap);

#endif
