/* mlavk serve: an OpenAI-compatible HTTP server. HTTP threads (libmicrohttpd, one per connection) parse
 * requests and hand them as jobs to the engine thread, which owns the engine and its batch; a job's results
 * come back under the server's lock, each job with its own condition variable. */
#ifndef MLAVK_SERVER_H
#define MLAVK_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "mlavk.h"
#include "server_request.h"

typedef struct server_options {
    mlavk_engine_params engine;
    const char *host;
    uint32_t port;                 /* 0: any free port (the one taken is printed) */
    uint32_t parallel;             /* sequences decoded at once */
    uint32_t cache_tokens;         /* 0: parallel x context */
    uint32_t queue_limit;          /* requests waiting for a slot beyond which new ones get 503 */
    uint32_t drain_seconds;        /* after SIGTERM, running sequences get this long to finish */
    const char *api_key;           /* non-NULL: /v1 requests need "Authorization: Bearer <api_key>" */
} server_options;

typedef struct server_job {
    server_request request;
    char id[32];
    time_t created;
    pthread_cond_t changed;        /* signalled when anything below changes */
    /* Under the server's lock. */
    int refs;                      /* the HTTP thread's and the engine thread's */
    bool accepted;                 /* in the batch: a stream may begin */
    bool finished;
    mlavk_finish finish;
    int http_status;               /* non-zero: the job failed with this error */
    const char *error_type, *error_code;
    char error_message[300];
    char *text;                    /* everything generated so far */
    size_t length;
    uint32_t prompt_tokens, completion_tokens;
    bool cancel;                   /* the client went away */
    /* Engine thread only. */
    uint64_t seq;
    bool cancel_sent;
    struct server_job *next;       /* the inbox, then the engine thread's list of jobs in the batch */
} server_job;

typedef struct server_metrics {
    uint64_t requests, errors;
    mlavk_batch_stats batch;       /* as of the last step */
    uint32_t inbox;                /* received, not yet in the batch */
} server_metrics;

typedef struct server {
    server_options options;
    char model_id[128];            /* the model's name in the API: its file or directory name */
    pthread_mutex_t lock;
    pthread_cond_t engine_wake;
    server_job *inbox_head, *inbox_tail;
    bool ready, load_failed, stopping;
    server_metrics metrics;
    pthread_t engine_thread;
    bool engine_started;
    void *daemon;                  /* struct MHD_Daemon */
    uint64_t next_job;
} server;

/* The engine thread: loads the model, then runs the batch until server_stop_engine. */
bool server_start_engine(server *s);
/* Stops accepting jobs; the engine thread finishes (or after drain_seconds cancels) those it has, and ends. */
void server_stop_engine(server *s);

/* A new job for a parsed request (taken over); the HTTP thread holds one reference. */
server_job *server_job_create(server *s, server_request *request);
/* Why nothing can be served now: the model still loading or the server shutting down (the 503 message of
 * /health and every /v1 endpoint), or NULL when the server is ready. The caller holds the lock. */
const char *server_unavailable_locked(const server *s);
/* Hands the job to the engine thread, or fails it at once (503) when the server is not ready. */
void server_submit(server *s, server_job *job);
/* The client went away: the engine thread cancels the job's sequence. */
void server_cancel(server *s, server_job *job);
/* Drops a reference (under no lock); the last one frees the job. */
void server_job_release(server *s, server_job *job);

/* The HTTP side: serves until server_http_stop. Prints the address it listens on. */
bool server_http_start(server *s);
void server_http_quiesce(server *s);
void server_http_stop(server *s);

#endif
