/* libFuzzer target: reading a journal back (src/client/journal.c), from
 * whatever bytes the file holds.
 *
 * Byte 0 picks the mode.  Even: the rest of the input is the file itself.
 * Odd: the rest says what to append (a count, then each record's length
 * and bytes), then how to spoil the file on disk (byte 0 >> 1 bytes cut
 * off its end, then 3-byte edits: a 16-bit offset and a byte to xor in):
 * the seal cannot be guessed by a fuzzer, so this is how it reaches the
 * records that authenticate and the ones that almost do.  Every run checks
 * what callers rely on, and abort()s when a promise is broken:
 *   - what each() is given is a record that was appended, in its place
 *     (seq 1, 2, ...), with its bytes, never more than JOURNAL_RECORD_MAX;
 *   - a file left as written reads back whole, with no flag; a file with
 *     records that was changed never does (a change is seen, or costs
 *     records);
 *   - the report agrees with journal_records(), a set-aside file exists;
 *   - after any opening the journal is sound: a record appended then
 *     reads back after the ones given, with no flag.
 * The files go to $TMPDIR, else /dev/shm (syncs are free there), else /tmp. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "client/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 8
#define MAX_LEN 64
#define FILE_MAX 65536

static const unsigned char KEY[JOURNAL_KEY_BYTES] = "guichet fuzz key, not a secret!";
static char dir[256], path[300];

/* A broken promise is a crash libFuzzer records. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* The records appended, as each() must give them back. */
struct want {
	size_t n;
	size_t len[MAX_RECORDS + 1];
	unsigned char data[MAX_RECORDS + 1][MAX_LEN];
	bool known;              /* false: the file came from the input, anything goes */
	size_t given;
	uint64_t hash;           /* FNV-1a of every record given */
};

static void mix(struct want *w, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		w->hash ^= p[i];
		w->hash *= 1099511628211u;
	}
	w->hash ^= len;
	w->hash *= 1099511628211u;
}

static int on_each(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct want *w = arg;
	check(len <= JOURNAL_RECORD_MAX && data != NULL);
	check(seq == w->given + 1);
	if (w->known)
		check(w->given < w->n && len == w->len[w->given] &&
		      memcmp(data, w->data[w->given], len) == 0);
	mix(w, data, len);
	w->given++;
	return 0;
}

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void remove_dir(void)
{
	clean_dir();
	rmdir(dir);
}

static void make_dir(void)
{
	struct stat st;
	const char *tmp = getenv("TMPDIR");
	if (dir[0])
		return;
	if (!tmp || !*tmp)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-journal.XXXXXX", tmp);
	check(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/j.journal", dir);
	atexit(remove_dir);
}

static void spill(const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	check(f != NULL);
	check(fwrite(buf, 1, n, f) == n);
	check(fclose(f) == 0);
}

static size_t slurp(unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	check(f != NULL);
	size_t n = fread(buf, 1, cap, f);
	check(!ferror(f) && n < cap);
	fclose(f);
	return n;
}

/* Build mode: append the records the input describes; returns where the
 * edits start. */
static size_t build(const uint8_t *in, size_t n, struct want *w)
{
	char err[512];
	size_t at = 0;
	struct journal *j = journal_open(path, KEY, NULL, NULL, NULL, err, sizeof(err));
	check(j != NULL);
	size_t count = at < n ? in[at++] % (MAX_RECORDS + 1) : 0;
	while (w->n < count) {
		size_t len = at < n ? in[at++] % MAX_LEN : 0;
		if (len > n - at)
			len = n - at;
		memcpy(w->data[w->n], in + at, len);
		w->len[w->n] = len;
		at += len;
		check(journal_append(j, w->data[w->n], len, err, sizeof(err)) == 0);
		w->n++;
	}
	check(journal_records(j) == w->n);
	journal_close(j);
	return at;
}

/* Cut and xor as the input says; 1 when the file differs from what was written. */
static int spoil(size_t cut, const uint8_t *edits, size_t n)
{
	static unsigned char orig[FILE_MAX], buf[FILE_MAX];
	size_t len = slurp(orig, sizeof(orig));
	cut = cut < len ? cut : len;
	len -= cut;
	memcpy(buf, orig, len);
	for (size_t i = 0; len > 0 && i + 3 <= n; i += 3)
		buf[((size_t)edits[i] << 8 | edits[i + 1]) % len] ^= edits[i + 2];
	spill(buf, len);
	return cut > 0 || memcmp(buf, orig, len) != 0;
}

/* After an opening, whatever it found: sound, holding what it gave. */
static void still_sound(struct journal *j, const struct journal_report *rep, struct want *w)
{
	char err[512];
	struct journal_report again;
	struct want seen = { .hash = 14695981039346656037u };
	check(journal_records(j) == rep->records && rep->records == w->given);
	check(journal_append(j, "fuzz", 4, err, sizeof(err)) == 0);
	journal_close(j);
	j = journal_open(path, KEY, on_each, &seen, &again, err, sizeof(err));
	check(j != NULL);
	check(!again.torn_tail && !again.set_aside && again.records == w->given + 1);
	check(journal_records(j) == w->given + 1);
	mix(w, "fuzz", 4);
	check(seen.hash == w->hash);
	journal_close(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct want w = { .hash = 14695981039346656037u };
	struct journal_report rep;
	int changed = 1;
	struct stat st;
	if (size < 1 || size > FILE_MAX / 2)
		return 0;
	make_dir();
	clean_dir();
	if (data[0] & 1) {
		size_t at = 1 + build(data + 1, size - 1, &w);
		w.known = true;
		changed = spoil(data[0] >> 1, data + at, size - at);
	} else {
		spill(data + 1, size - 1);
	}
	struct journal *j = journal_open(path, KEY, on_each, &w, &rep, err, sizeof(err));
	check(j != NULL);
	check(rep.records == w.given);
	if (w.known && !changed)
		check(rep.records == w.n && !rep.torn_tail && !rep.set_aside);
	/* (With no record, a changed file id is no loss: nothing is bound to it.) */
	if (w.known && changed && w.n > 0)
		check(rep.records < w.n || rep.torn_tail || rep.set_aside);
	if (rep.set_aside)
		check(stat(rep.aside_path, &st) == 0);
	still_sound(j, &rep, &w);
	return 0;
}
