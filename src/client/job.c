/* Commands' results (see job.h). */
#include "client/job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct job *job_new(struct desk *d)
{
	struct job *j = calloc(1, sizeof(*j));
	if (j) {
		j->refs = 1;
		j->desk = d;
	}
	return j;
}

struct job *job_ref(struct job *j)
{
	if (j)
		j->refs++;
	return j;
}

void job_unref(struct job *j)
{
	if (!j || --j->refs > 0)
		return;
	json_decref(j->result);
	free(j);
}

void job_part_begin(struct job *j)
{
	if (!j)
		return;
	j->parts++;
	j->refs++;
}

static void finish(struct job *j)
{
	j->done = true;
	if (j->why == JOB_OK && j->build) {
		json_decref(j->result);
		j->result = j->build(j->desk, j);
	}
}

void job_part_done(struct job *j, enum job_why why, const char *fmt, ...)
{
	if (!j)
		return;
	if (why != JOB_OK && j->why == JOB_OK) {
		va_list ap;
		j->why = why;
		va_start(ap, fmt);
		vsnprintf(j->error, sizeof(j->error), fmt, ap);
		va_end(ap);
	}
	if (--j->parts <= 0 && !j->done)
		finish(j);
	job_unref(j);
}

void job_set_result(struct job *j, json_t *v)
{
	if (!j) {
		json_decref(v);
		return;
	}
	json_decref(j->result);
	j->result = v;
}

void job_settle(struct job *j, int rc, const char *msg)
{
	if (!j || j->done)
		return;
	if (rc < 0 && j->why == JOB_OK) {
		j->why = JOB_FAILED;
		snprintf(j->error, sizeof(j->error), "%s", msg ? msg : "");
	}
	if (j->parts <= 0 || rc < 0)
		finish(j);
}
