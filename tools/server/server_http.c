/* The HTTP side of mlavk serve on libmicrohttpd (a thread per connection): routes, request bodies, JSON and
 * server-sent-event responses, OpenAI-style errors, /health and /metrics. */
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#define MAX_BODY_BYTES (8u << 20)
#define WAIT_SLICE_MS 100 /* how often a waiting connection looks whether its client went away */

typedef struct connection {
    char *body;
    size_t length;
    bool too_large;
} connection;

typedef struct event_stream {
    server *s;
    server_job *job;
    int fd;
    char *buffer;                  /* events not yet handed to libmicrohttpd */
    size_t length, offset;
    size_t text_sent;
    bool role_sent, done;
} event_stream;

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text, const char *type)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result result = MHD_queue_response(c, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, cJSON *json)
{
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    return text ? send_text(c, status, text, "application/json") : MHD_NO;
}

/* {"error": {"message", "type", "param", "code"}}, as OpenAI's API writes errors. */
static cJSON *error_body(const char *message, const char *type, const char *param, const char *code)
{
    cJSON *root = cJSON_CreateObject(), *error = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "type", type);
    if (param && param[0])
        cJSON_AddStringToObject(error, "param", param);
    else
        cJSON_AddNullToObject(error, "param");
    if (code)
        cJSON_AddStringToObject(error, "code", code);
    else
        cJSON_AddNullToObject(error, "code");
    return root;
}

static enum MHD_Result send_error(server *s, struct MHD_Connection *c, unsigned status, const char *message,
                                  const char *type, const char *param, const char *code)
{
    pthread_mutex_lock(&s->lock);
    s->metrics.errors++;
    pthread_mutex_unlock(&s->lock);
    return send_json(c, status, error_body(message, type, param, code));
}

static int connection_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

/* Whether the client closed its side of the connection (or it broke). */
static bool client_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (fd < 0 || poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLERR | POLLNVAL))
        return true;
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void wait_slice(server *s, server_job *job)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += WAIT_SLICE_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&job->changed, &s->lock, &until);
}

/* Waits until the job finished (or, with until_accepted, entered the batch); false when the client left, after
 * cancelling the job. */
static bool wait_job(server *s, server_job *job, int fd, bool until_accepted)
{
    pthread_mutex_lock(&s->lock);
    while (!job->finished && !(until_accepted && job->accepted)) {
        wait_slice(s, job);
        if (!job->finished && client_gone(fd)) {
            pthread_mutex_unlock(&s->lock);
            server_cancel(s, job);
            return false;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return true;
}

static const char *finish_reason(mlavk_finish finish)
{
    return finish == MLAVK_FINISH_STOP ? "stop" : finish == MLAVK_FINISH_LENGTH ? "length" : NULL;
}

static cJSON *usage(const server_job *job)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "prompt_tokens", job->prompt_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", job->completion_tokens);
    cJSON_AddNumberToObject(u, "total_tokens", job->prompt_tokens + job->completion_tokens);
    return u;
}

static cJSON *response_head(const server *s, const server_job *job, const char *object)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", job->id);
    cJSON_AddStringToObject(root, "object", object);
    cJSON_AddNumberToObject(root, "created", (double)job->created);
    cJSON_AddStringToObject(root, "model", s->model_id);
    return root;
}

/* One choice: chat's message or delta, or completion's text. text NULL: no text (a final chunk). */
static cJSON *choice(const server_job *job, bool chunk, bool with_role, const char *text, size_t length,
                     const char *finish)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "index", 0);
    char *copy = strndup(text ? text : "", length);
    if (job->request.endpoint == SERVER_CHAT) {
        cJSON *message = cJSON_AddObjectToObject(c, chunk ? "delta" : "message");
        if (with_role)
            cJSON_AddStringToObject(message, "role", "assistant");
        if (text && copy)
            cJSON_AddStringToObject(message, "content", copy);
    } else {
        cJSON_AddStringToObject(c, "text", copy ? copy : "");
        cJSON_AddNullToObject(c, "logprobs");
    }
    free(copy);
    if (finish)
        cJSON_AddStringToObject(c, "finish_reason", finish);
    else
        cJSON_AddNullToObject(c, "finish_reason");
    return c;
}

static enum MHD_Result send_job_error(server *s, struct MHD_Connection *c, const server_job *job)
{
    if (job->http_status)
        return send_json(c, (unsigned)job->http_status,
                         error_body(job->error_message, job->error_type, NULL, job->error_code));
    return send_error(s, c, 503, "the request was cancelled: the server is shutting down", "server_error", NULL,
                      "unavailable");
}

static enum MHD_Result send_completion(server *s, struct MHD_Connection *c, server_job *job)
{
    pthread_mutex_lock(&s->lock);
    bool chat = job->request.endpoint == SERVER_CHAT;
    const char *finish = finish_reason(job->finish);
    if (!finish) {
        pthread_mutex_unlock(&s->lock);
        return send_job_error(s, c, job);
    }
    cJSON *root = response_head(s, job, chat ? "chat.completion" : "text_completion");
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON_AddItemToArray(choices, choice(job, false, true, job->text ? job->text : "", job->length, finish));
    cJSON_AddItemToObject(root, "usage", usage(job));
    pthread_mutex_unlock(&s->lock);
    return send_json(c, MHD_HTTP_OK, root);
}

/* ---- server-sent events ---- */

static void append_event(event_stream *st, cJSON *json, const char *raw)
{
    char *data = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    const char *payload = data ? data : raw;
    if (payload) {
        size_t n = strlen(payload) + 8;
        char *grown = realloc(st->buffer, st->length + n + 1);
        if (grown) {
            st->length += (size_t)snprintf(grown + st->length, n + 1, "data: %s\n\n", payload);
            st->buffer = grown;
        }
    }
    free(data);
}

static cJSON *chunk(event_stream *st, const char *text, size_t length, const char *finish)
{
    server_job *job = st->job;
    cJSON *root = response_head(st->s, job, job->request.endpoint == SERVER_CHAT ? "chat.completion.chunk"
                                                                                  : "text_completion");
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON_AddItemToArray(choices, choice(job, true, !st->role_sent, text, length, finish));
    st->role_sent = true;
    return root;
}

/* The events for what the job has produced since the last call (the caller holds the lock). */
static void next_events(event_stream *st)
{
    server_job *job = st->job;
    if (job->length > st->text_sent) {
        append_event(st, chunk(st, job->text + st->text_sent, job->length - st->text_sent, NULL), NULL);
        st->text_sent = job->length;
    }
    if (!job->finished)
        return;
    const char *finish = finish_reason(job->finish);
    if (finish) {
        append_event(st, chunk(st, NULL, 0, finish), NULL);
    } else {
        append_event(st, job->http_status ? error_body(job->error_message, job->error_type, NULL, job->error_code)
                                          : error_body("the request was cancelled: the server is shutting down",
                                                       "server_error", NULL, "unavailable"),
                     NULL);
    }
    if (finish && job->request.include_usage) {
        cJSON *root = response_head(st->s, job, job->request.endpoint == SERVER_CHAT ? "chat.completion.chunk"
                                                                                      : "text_completion");
        cJSON_AddArrayToObject(root, "choices");
        cJSON_AddItemToObject(root, "usage", usage(job));
        append_event(st, root, NULL);
    }
    append_event(st, NULL, "[DONE]");
    st->done = true;
}

static ssize_t read_events(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    event_stream *st = cls;
    if (st->offset == st->length) {
        st->offset = st->length = 0;
        if (st->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&st->s->lock);
        while (st->length == 0) {
            next_events(st);
            if (st->length || st->done)
                break;
            wait_slice(st->s, st->job);
            if (client_gone(st->fd)) {
                pthread_mutex_unlock(&st->s->lock);
                return MHD_CONTENT_READER_END_WITH_ERROR; /* the free callback cancels the job */
            }
        }
        pthread_mutex_unlock(&st->s->lock);
    }
    size_t n = st->length - st->offset < max ? st->length - st->offset : max;
    memcpy(out, st->buffer + st->offset, n);
    st->offset += n;
    return (ssize_t)n;
}

static void free_events(void *cls)
{
    event_stream *st = cls;
    pthread_mutex_lock(&st->s->lock);
    bool finished = st->job->finished;
    pthread_mutex_unlock(&st->s->lock);
    if (!finished)
        server_cancel(st->s, st->job);
    server_job_release(st->s, st->job);
    free(st->buffer);
    free(st);
}

static enum MHD_Result send_events(server *s, struct MHD_Connection *c, server_job *job, int fd)
{
    event_stream *st = calloc(1, sizeof *st);
    struct MHD_Response *response =
        st ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, read_events, st, free_events) : NULL;
    if (!response) {
        free(st);
        server_cancel(s, job);
        server_job_release(s, job);
        return MHD_NO;
    }
    *st = (event_stream){.s = s, .job = job, .fd = fd};
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result result = MHD_queue_response(c, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

/* ---- routes ---- */

/* The 503 message while the model loads or the server shuts down, or NULL when it is ready. */
static const char *unavailable(server *s)
{
    pthread_mutex_lock(&s->lock);
    const char *why = server_unavailable_locked(s);
    pthread_mutex_unlock(&s->lock);
    return why;
}

/* /health's 503 body, also every /v1 endpoint's while the model loads or the server shuts down. */
static enum MHD_Result send_unavailable(server *s, struct MHD_Connection *c, const char *why)
{
    return send_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, why, "server_error", NULL, "unavailable");
}

static enum MHD_Result complete(server *s, struct MHD_Connection *c, server_endpoint endpoint, connection *con)
{
    pthread_mutex_lock(&s->lock);
    s->metrics.requests++;
    const char *why = server_unavailable_locked(s);
    pthread_mutex_unlock(&s->lock);
    if (why)
        return send_unavailable(s, c, why);
    if (con->too_large)
        return send_error(s, c, 413, "the request body is larger than 8 MiB", "invalid_request_error", NULL, NULL);
    server_request request;
    server_request_error error;
    if (!server_request_parse(endpoint, con->body ? con->body : "", con->length, &request, &error))
        return send_error(s, c, 400, error.message, "invalid_request_error", error.param, NULL);
    if (request.model && strcmp(request.model, s->model_id) != 0) {
        char message[400];
        snprintf(message, sizeof message, "the model '%.200s' does not exist; this server has '%s'", request.model,
                 s->model_id);
        server_request_free(&request);
        return send_error(s, c, 404, message, "invalid_request_error", "model", "model_not_found");
    }
    server_job *job = server_job_create(s, &request);
    if (!job) {
        server_request_free(&request);
        return send_error(s, c, 500, "out of memory", "server_error", NULL, NULL);
    }
    server_submit(s, job);
    int fd = connection_fd(c);
    bool stream = job->request.stream;
    if (!wait_job(s, job, fd, stream)) {
        server_job_release(s, job);
        return MHD_NO; /* the client left: close the connection */
    }
    pthread_mutex_lock(&s->lock);
    bool failed = job->finished && job->http_status;
    pthread_mutex_unlock(&s->lock);
    if (stream && !failed)
        return send_events(s, c, job, fd); /* takes over the reference */
    enum MHD_Result result = failed ? send_job_error(s, c, job) : send_completion(s, c, job);
    server_job_release(s, job);
    return result;
}

static enum MHD_Result send_metrics(server *s, struct MHD_Connection *c)
{
    pthread_mutex_lock(&s->lock);
    server_metrics m = s->metrics;
    bool ready = s->ready;
    pthread_mutex_unlock(&s->lock);
    const struct {
        const char *name, *type, *help;
        double value;
    } rows[] = {
        {"mlavk_ready", "gauge", "1 once the model is loaded", ready},
        {"mlavk_requests_total", "counter", "completion requests received", (double)m.requests},
        {"mlavk_request_errors_total", "counter", "requests answered with an error", (double)m.errors},
        {"mlavk_prompt_tokens_total", "counter", "prompt tokens evaluated", (double)m.batch.prompt_tokens},
        {"mlavk_generated_tokens_total", "counter", "tokens generated", (double)m.batch.generated_tokens},
        {"mlavk_sequences_running", "gauge", "sequences being decoded", m.batch.running},
        {"mlavk_sequences_queued", "gauge", "requests waiting for a sequence slot", m.batch.queued + m.inbox},
        {"mlavk_sequences_max", "gauge", "sequences decoded at once (--parallel)", m.batch.max_seqs},
        {"mlavk_cache_pages_used", "gauge", "latent cache pages held by sequences", m.batch.pages_used},
        {"mlavk_cache_pages_free", "gauge", "latent cache pages free (or kept for prefix reuse, held by no sequence)", m.batch.pages_free},
        {"mlavk_cache_page_tokens", "gauge", "tokens per cache page", m.batch.page_tokens},
        {"mlavk_cache_tokens_used", "gauge", "tokens held in the cache", (double)m.batch.cache_tokens_used},
        {"mlavk_cache_tokens_free", "gauge", "tokens the free pages hold", (double)m.batch.cache_tokens_free},
        {"mlavk_prefix_hit_tokens_total", "counter", "prompt tokens found cached, not computed",
         (double)m.batch.prefix_hit_tokens},
        {"mlavk_decode_steps_total", "counter", "scheduler steps that ran the model", (double)m.batch.steps},
    };
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    for (size_t i = 0; text && i < sizeof rows / sizeof rows[0]; i++)
        used += (size_t)snprintf(text + used, capacity - used, "# HELP %s %s\n# TYPE %s %s\n%s %.0f\n", rows[i].name,
                                 rows[i].help, rows[i].name, rows[i].type, rows[i].name, rows[i].value);
    if (!text || used >= capacity) {
        free(text);
        return MHD_NO;
    }
    return send_text(c, MHD_HTTP_OK, text, "text/plain; version=0.0.4");
}

static enum MHD_Result send_models(server *s, struct MHD_Connection *c)
{
    const char *why = unavailable(s);
    if (why)
        return send_unavailable(s, c, why);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "object", "list");
    cJSON *model = cJSON_CreateObject();
    cJSON_AddStringToObject(model, "id", s->model_id);
    cJSON_AddStringToObject(model, "object", "model");
    cJSON_AddNumberToObject(model, "created", 0);
    cJSON_AddStringToObject(model, "owned_by", "mlavk");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "data"), model);
    return send_json(c, MHD_HTTP_OK, root);
}

static enum MHD_Result send_health(server *s, struct MHD_Connection *c)
{
    const char *why = unavailable(s);
    if (!why) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "status", "ok");
        return send_json(c, MHD_HTTP_OK, root);
    }
    return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, error_body(why, "server_error", NULL, "unavailable"));
}

/* Whether a /v1 request may go on: no key is set, or it carries "Authorization: Bearer <key>". The comparison
 * takes the same time wherever the given key first differs. */
static bool authorized(const server *s, struct MHD_Connection *c)
{
    if (!s->options.api_key)
        return true;
    const char *header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    const char *given = header + 7, *key = s->options.api_key;
    size_t n = strlen(key);
    if (strlen(given) != n)
        return false;
    unsigned char differ = 0;
    for (size_t i = 0; i < n; i++)
        differ |= (unsigned char)(given[i] ^ key[i]);
    return differ == 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    connection *con = *con_cls;
    if (!con) {
        *con_cls = con = calloc(1, sizeof *con);
        return con ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        if (!con->too_large && con->length + *upload_data_size <= MAX_BODY_BYTES) {
            char *grown = realloc(con->body, con->length + *upload_data_size + 1);
            if (grown) {
                memcpy(grown + con->length, upload_data, *upload_data_size);
                con->length += *upload_data_size;
                grown[con->length] = '\0';
                con->body = grown;
            }
            con->too_large = !grown;
        } else {
            con->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/v1/", 4) == 0 && !authorized(s, c))
        return send_error(s, c, MHD_HTTP_UNAUTHORIZED, "a missing or incorrect API key: send 'Authorization: Bearer "
                          "<key>' with the key the server was started with", "invalid_request_error", NULL,
                          "invalid_api_key");
    static const struct {
        const char *path, *method;
        int route;
    } routes[] = {{"/health", "GET", 0},           {"/metrics", "GET", 1},
                  {"/v1/models", "GET", 2},        {"/v1/chat/completions", "POST", 3},
                  {"/v1/completions", "POST", 4}};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(url, routes[i].path) != 0)
            continue;
        if (strcmp(method, routes[i].method) != 0)
            return send_error(s, c, 405, "method not allowed", "invalid_request_error", NULL, NULL);
        switch (routes[i].route) {
        case 0: return send_health(s, c);
        case 1: return send_metrics(s, c);
        case 2: return send_models(s, c);
        case 3: return complete(s, c, SERVER_CHAT, con);
        default: return complete(s, c, SERVER_COMPLETIONS, con);
        }
    }
    return send_error(s, c, 404, "no such endpoint", "invalid_request_error", NULL, NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    connection *con = *con_cls;
    if (con)
        free(con->body);
    free(con);
    *con_cls = NULL;
}

bool server_http_start(server *s)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->options.port)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)s->options.port)};
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
    const struct sockaddr *address = (const struct sockaddr *)&v4;
    if (inet_pton(AF_INET6, s->options.host, &v6.sin6_addr) == 1) {
        flags |= MHD_USE_IPv6;
        address = (const struct sockaddr *)&v6;
    } else if (inet_pton(AF_INET, s->options.host, &v4.sin_addr) != 1) {
        fprintf(stderr, "mlavk serve: --host needs a numeric IPv4 or IPv6 address, not '%s'\n", s->options.host);
        return false;
    }
    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)s->options.port, NULL, NULL, handle, s,
                                            MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                                            MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mlavk serve: cannot listen on %s port %u (%s)\n", s->options.host, s->options.port,
                strerror(errno));
        return false;
    }
    s->daemon = d;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    bool v6_host = flags & MHD_USE_IPv6;
    fprintf(stderr, "mlavk serve: listening on http://%s%s%s:%u\n", v6_host ? "[" : "", s->options.host,
            v6_host ? "]" : "", info ? info->port : s->options.port);
    return true;
}

void server_http_quiesce(server *s)
{
    int fd = s->daemon ? MHD_quiesce_daemon(s->daemon) : -1;
    if (fd >= 0)
        close(fd);
}

void server_http_stop(server *s)
{
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}
