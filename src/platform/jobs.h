/* Long work (exports, imports, planners) runs as a job on its own thread; the
 * request that starts it answers 202 at once and clients poll /api/v1/jobs/{id}.
 * Jobs are rows in the database, so a job interrupted by a kill runs again. */
#ifndef DOORSTEP_JOBS_H
#define DOORSTEP_JOBS_H

#include "../http/api.h"

extern const struct module jobs_module;

void jobs_start(void);
void jobs_stop(void);
/* Queue a job of a kind some module declares; replies 202 with the job. On an
 * R_UPLOAD route the uploaded file goes with it (job_input), and is deleted
 * when the job ends. */
void reply_job(struct req *r, const char *kind, json_t *params);
/* Inside a job: the uploaded file it was started with (*n = 0: none), the job's own
 * copy with a NUL after it, which it may change. */
char *job_input(struct job *job, size_t *n);
/* Inside a job: report progress (done of total), as often as is useful; it is
 * kept in memory, so a job may report from inside an open transaction. */
void job_progress(struct job *job, int64_t done, int64_t total);
/* Inside a job: its downloadable result. */
void job_result(struct job *job, const char *type, const char *filename, const void *data, size_t n);
/* Inside a job: what it did, shown with the job (takes the reference). */
void job_summary(struct job *job, json_t *summary);
/* Inside a job: why it failed, shown with the job; the run then returns false. */
void job_fail(struct job *job, const char *why);

#endif
