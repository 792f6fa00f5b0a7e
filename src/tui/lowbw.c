/* The low-bandwidth mode and its auto rule (see lowbw.h). */
#include "tui/lowbw.h"

#include <string.h>

int lowbw_mode_parse(const char *value)
{
	static const char *const names[] = { [LOWBW_AUTO] = "auto", [LOWBW_YES] = "yes",
					     [LOWBW_NO] = "no" };
	for (int i = 0; value && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return -1;
}

bool lowbw_over_ssh(const char *ssh_connection, const char *ssh_tty)
{
	return (ssh_connection && *ssh_connection) || (ssh_tty && *ssh_tty);
}

void lowbw_init(struct lowbw *s, enum lowbw_mode mode, bool ssh)
{
	*s = (struct lowbw){ .mode = mode, .ssh = ssh };
}

bool lowbw_on(const struct lowbw *s)
{
	return s->mode == LOWBW_YES || (s->mode == LOWBW_AUTO && s->detected);
}

bool lowbw_probing(const struct lowbw *s)
{
	return s->mode == LOWBW_AUTO && s->ssh && !s->detected;
}

bool lowbw_frame_slow(long queued, int64_t answer_ms)
{
	return queued > LOWBW_QUEUED_MAX || answer_ms > LOWBW_ANSWER_MAX_MS;
}

/* The slow verdicts among the last LOWBW_WINDOW. */
static int slow_count(unsigned history)
{
	int n = 0;
	for (int i = 0; i < LOWBW_WINDOW; i++)
		n += (history >> i) & 1u;
	return n;
}

bool lowbw_judge(struct lowbw *s, bool slow)
{
	if (!lowbw_probing(s))
		return false;
	s->history = ((s->history << 1) | (slow ? 1u : 0u)) & ((1u << LOWBW_WINDOW) - 1);
	if (slow_count(s->history) < LOWBW_SLOW_FRAMES)
		return false;
	s->detected = true;
	return true;
}

int64_t lowbw_batch_wait(int64_t first_ms, int64_t last_ms, int64_t now_ms)
{
	if (!first_ms)
		return -1;
	int64_t quiet = last_ms + LOWBW_QUIET_MS - now_ms;
	int64_t cap = first_ms + LOWBW_BATCH_MAX_MS - now_ms;
	int64_t wait = quiet < cap ? quiet : cap;
	return wait > 0 ? wait : 0;
}
