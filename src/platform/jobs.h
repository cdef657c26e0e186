/* Long work (exports, imports, planners) runs as a job on its own thread; the
 * request that starts it answers 202 at once and clients poll /api/v1/jobs/{id}.
 * Jobs are rows in the database, so a job interrupted by a kill runs again. */
#ifndef DOORSTEP_JOBS_H
#define DOORSTEP_JOBS_H

#include "../http/api.h"

extern const struct module jobs_module;

void jobs_start(void);
void jobs_stop(void);
/* Queue a job of a kind some module declares; replies 202 with the job. */
void reply_job(struct req *r, const char *kind, json_t *params);
/* Inside a job: report progress (done of total). */
void job_progress(struct job *job, int64_t done, int64_t total);
/* Inside a job: its downloadable result. */
void job_result(struct job *job, const char *type, const char *filename, const void *data, size_t n);

#endif
