/* `set low_bandwidth`: when the screen is drawn sparingly (no colour, no
 * frame for the clock alone, the network's answers drawn in batches), and
 * the rule by which `auto` turns it on.  Pure: no curses, no I/O, no
 * clock of its own (times come in as arguments), so the rule is tested as
 * it is (tests/unit/test_lowbw.c); tui/loop.c takes the measures.
 *
 * The auto rule.  Only over SSH (SSH_CONNECTION or SSH_TTY in the
 * environment): a local terminal never turns it on by itself.  After a
 * frame that changed the screen, the desk measures how far behind the
 * terminal is, two ways:
 *   - the bytes still queued in the tty LOWBW_PROBE_MS after the frame
 *     (TIOCOUTQ): more than LOWBW_QUEUED_MAX, the link does not keep up.
 *     (Linux answers 0 on a pseudo-terminal, which is what sshd gives, and
 *     sshd takes up to its channel window, 2 MiB, before the tty fills:
 *     this measure speaks on other systems and on serial lines);
 *   - the terminal's answer to a cursor position request (CSI 6 n) sent
 *     just after the frame: it comes back only once the frame has crossed
 *     the link, so its delay is the frame's drain time plus the round
 *     trip.  Later than LOWBW_ANSWER_MAX_MS, the agent waits for the screen
 *     anyway.  One request at a time; a terminal that never answers is
 *     asked once.
 * A frame is slow when either says so; LOWBW_SLOW_FRAMES slow frames among
 * the last LOWBW_WINDOW judged turn it on, said once on the message line.
 * It then stays on until the option changes: a link that was slow
 * three times is likely to be again, and flapping between colour and none
 * would cost more bytes than it saves. */
#ifndef GUICHET_TUI_LOWBW_H
#define GUICHET_TUI_LOWBW_H

#include <stdbool.h>
#include <stdint.h>

#define LOWBW_PROBE_MS       100   /* after a frame, when TIOCOUTQ is read */
#define LOWBW_QUEUED_MAX     2048  /* bytes still queued then: slow */
#define LOWBW_ANSWER_MAX_MS  400   /* the terminal's answer later than this: slow */
#define LOWBW_SLOW_FRAMES    3     /* slow frames ... */
#define LOWBW_WINDOW         8     /* ... among the last this many judged */

/* Batching (when on): what the network brought is drawn once it has been
 * quiet LOWBW_QUIET_MS, and never later than LOWBW_BATCH_MAX_MS after the
 * first of it.  A key is always drawn at once. */
#define LOWBW_QUIET_MS       40
#define LOWBW_BATCH_MAX_MS   150

enum lowbw_mode { LOWBW_AUTO, LOWBW_YES, LOWBW_NO };

struct lowbw {
	enum lowbw_mode mode;
	bool ssh;           /* the desk runs over SSH */
	bool detected;      /* auto found the link slow */
	unsigned history;   /* the last LOWBW_WINDOW verdicts, newest in bit 0, 1: slow */
};

/* The mode of the option's value ("auto", "yes", "no"), or -1. */
int lowbw_mode_parse(const char *value);

/* Whether the environment says SSH: either variable set and not empty
 * (getenv's results; NULL when unset). */
bool lowbw_over_ssh(const char *ssh_connection, const char *ssh_tty);

/* Start over in mode (at start, and each time the option changes). */
void lowbw_init(struct lowbw *s, enum lowbw_mode mode, bool ssh);

/* Whether the screen is drawn sparingly now. */
bool lowbw_on(const struct lowbw *s);

/* Whether frames are to be measured: auto, over SSH, not yet on. */
bool lowbw_probing(const struct lowbw *s);

/* A frame's verdict: queued, the bytes still in the tty LOWBW_PROBE_MS
 * after it (< 0: not known); answer_ms, how long the terminal took to
 * answer the request sent after it (< 0: no answer). */
bool lowbw_frame_slow(long queued, int64_t answer_ms);

/* Count one frame's verdict.  Returns true when this verdict turns it on
 * (once: the caller says so); false otherwise, and always when not
 * probing. */
bool lowbw_judge(struct lowbw *s, bool slow);

/* What the network brought, first at first_ms and last at last_ms
 * (first_ms 0: nothing waits): how many milliseconds from now_ms to wait
 * before drawing it, 0 to draw now, -1 when nothing waits. */
int64_t lowbw_batch_wait(int64_t first_ms, int64_t last_ms, int64_t now_ms);

#endif
