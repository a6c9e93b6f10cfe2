/* Completion request bodies: every field checked for its type and range; a field asking for what mlavk does not
 * do refused; unknown fields ignored (see docs/SERVING.md for the fields read, refused and ignored). */
#include "server_request.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(server_request_error *e, const char *param, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, args);
    va_end(args);
    snprintf(e->param, sizeof e->param, "%s", param);
    return false;
}

/* The field, or NULL when absent or null (OpenAI clients send null for "not set"). */
static const cJSON *field(const cJSON *root, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);
    return item && !cJSON_IsNull(item) ? item : NULL;
}

static bool read_number(const cJSON *root, const char *name, double min, double max, float *out,
                        server_request_error *e)
{
    const cJSON *item = field(root, name);
    if (!item)
        return true;
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= min && item->valuedouble <= max))
        return fail(e, name, "'%s' must be a number from %g to %g", name, min, max);
    *out = (float)item->valuedouble;
    return true;
}

static bool read_integer(const cJSON *root, const char *name, double min, double max, double *out,
                         server_request_error *e)
{
    const cJSON *item = field(root, name);
    if (!item)
        return true;
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        !(item->valuedouble >= min && item->valuedouble <= max))
        return fail(e, name, "'%s' must be an integer from %.0f to %.0f", name, min, max);
    *out = item->valuedouble;
    return true;
}

static bool read_bool(const cJSON *root, const char *name, bool *out, server_request_error *e)
{
    const cJSON *item = field(root, name);
    if (!item)
        return true;
    if (!cJSON_IsBool(item))
        return fail(e, name, "'%s' must be true or false", name);
    *out = cJSON_IsTrue(item);
    return true;
}

static char *copy_string(const char *text, server_request_error *e, const char *param)
{
    char *copy = strdup(text);
    if (!copy)
        fail(e, param, "out of memory");
    return copy;
}

/* A message's content: a string, or an array of {"type": "text", "text": ...} parts joined. */
static char *read_content(const cJSON *content, server_request_error *e)
{
    if (cJSON_IsString(content))
        return copy_string(content->valuestring, e, "messages");
    if (!cJSON_IsArray(content)) {
        fail(e, "messages", "a message's 'content' must be a string or an array of text parts");
        return NULL;
    }
    size_t length = 0;
    const cJSON *part;
    cJSON_ArrayForEach(part, content) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "text") != 0 || !cJSON_IsString(text)) {
            fail(e, "messages", "only text content parts are supported ({\"type\": \"text\", \"text\": ...})");
            return NULL;
        }
        length += strlen(text->valuestring);
    }
    char *joined = malloc(length + 1);
    if (!joined) {
        fail(e, "messages", "out of memory");
        return NULL;
    }
    length = 0;
    cJSON_ArrayForEach(part, content) {
        const char *text = cJSON_GetObjectItemCaseSensitive(part, "text")->valuestring;
        memcpy(joined + length, text, strlen(text));
        length += strlen(text);
    }
    joined[length] = '\0';
    return joined;
}

static const char *read_role(const cJSON *role)
{
    static const struct {
        const char *given, *role;
    } roles[] = {{"system", "system"}, {"developer", "system"}, {"user", "user"}, {"assistant", "assistant"}};
    for (size_t i = 0; cJSON_IsString(role) && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role->valuestring, roles[i].given) == 0)
            return roles[i].role;
    return NULL;
}

static bool read_messages(const cJSON *root, server_request *r, server_request_error *e)
{
    const cJSON *messages = field(root, "messages");
    if (!messages)
        return fail(e, "messages", "'messages' is required");
    if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0)
        return fail(e, "messages", "'messages' must be a non-empty array of messages");
    r->messages = calloc((size_t)cJSON_GetArraySize(messages), sizeof *r->messages);
    if (!r->messages)
        return fail(e, "messages", "out of memory");
    const cJSON *m;
    cJSON_ArrayForEach(m, messages) {
        if (!cJSON_IsObject(m))
            return fail(e, "messages", "each message must be an object with 'role' and 'content'");
        const char *role = read_role(cJSON_GetObjectItemCaseSensitive(m, "role"));
        if (!role)
            return fail(e, "messages", "a message's 'role' must be system, developer, user or assistant");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        char *text = content ? read_content(content, e) : NULL;
        if (!content)
            fail(e, "messages", "each message must have 'content'");
        if (!text)
            return false;
        r->messages[r->n_messages++] = (mlavk_chat_message){role, text};
    }
    return true;
}

static bool read_prompt(const cJSON *root, server_request *r, server_request_error *e)
{
    const cJSON *prompt = field(root, "prompt");
    if (cJSON_IsArray(prompt) && cJSON_GetArraySize(prompt) == 1)
        prompt = cJSON_GetArrayItem(prompt, 0);
    if (!prompt)
        return fail(e, "prompt", "'prompt' is required");
    if (!cJSON_IsString(prompt))
        return fail(e, "prompt", "'prompt' must be a string (or an array of one string)");
    r->prompt = copy_string(prompt->valuestring, e, "prompt");
    return r->prompt != NULL;
}

static bool read_stop(const cJSON *root, server_request *r, server_request_error *e)
{
    const cJSON *stop = field(root, "stop");
    if (!stop)
        return true;
    if (cJSON_IsString(stop)) {
        r->stop[r->n_stop] = copy_string(stop->valuestring, e, "stop");
        return r->stop[r->n_stop++] != NULL;
    }
    if (!cJSON_IsArray(stop) || cJSON_GetArraySize(stop) > MLAVK_MAX_STOP_STRINGS)
        return fail(e, "stop", "'stop' must be a string or an array of at most %d strings", MLAVK_MAX_STOP_STRINGS);
    const cJSON *s;
    cJSON_ArrayForEach(s, stop) {
        if (!cJSON_IsString(s))
            return fail(e, "stop", "'stop' must be a string or an array of at most %d strings",
                        MLAVK_MAX_STOP_STRINGS);
        if (!(r->stop[r->n_stop] = copy_string(s->valuestring, e, "stop")))
            return false;
        r->n_stop++;
    }
    return true;
}

static bool read_stream(const cJSON *root, server_request *r, server_request_error *e)
{
    if (!read_bool(root, "stream", &r->stream, e))
        return false;
    const cJSON *options = field(root, "stream_options");
    if (!options)
        return true;
    if (!cJSON_IsObject(options))
        return fail(e, "stream_options", "'stream_options' must be an object");
    return read_bool(options, "include_usage", &r->include_usage, e);
}

/* Sampling, max_tokens and n; OpenAI's defaults where the field is absent (temperature 1, no filtering). */
static bool read_generation(const cJSON *root, server_request *r, server_request_error *e)
{
    mlavk_sampling *s = &r->sampling;
    *s = mlavk_sampling_defaults();
    s->temperature = 1.0f;
    s->top_k = 0;
    s->top_p = 1.0f;
    s->min_p = 0.0f;
    double top_k = 0, seed = 0, max_tokens = 0, n = 1;
    bool ok = read_number(root, "temperature", 0, 2, &s->temperature, e) &&
              read_number(root, "top_p", 0, 1, &s->top_p, e) && read_number(root, "min_p", 0, 1, &s->min_p, e) &&
              read_integer(root, "top_k", 0, 1 << 30, &top_k, e) &&
              read_number(root, "repetition_penalty", 0.01, 100, &s->repeat_penalty, e) &&
              read_number(root, "frequency_penalty", -2, 2, &s->frequency_penalty, e) &&
              read_number(root, "presence_penalty", -2, 2, &s->presence_penalty, e) &&
              read_integer(root, "seed", -9007199254740991.0, 9007199254740991.0, &seed, e) &&
              read_integer(root, "max_tokens", 1, 1 << 30, &max_tokens, e) &&
              read_integer(root, "max_completion_tokens", 1, 1 << 30, &max_tokens, e) &&
              read_integer(root, "n", 1, 1, &n, e);
    s->top_k = (int32_t)top_k;
    s->seed = (uint64_t)(int64_t)seed;
    r->has_seed = field(root, "seed") != NULL;
    r->max_tokens = (uint32_t)max_tokens;
    return ok;
}

/* Whether a field asks for something, rather than being absent or "off" (null, false, 0, "", [], {}). */
static bool asks(const cJSON *root, const char *name)
{
    const cJSON *item = field(root, name);
    if (!item || cJSON_IsFalse(item))
        return false;
    if (cJSON_IsNumber(item))
        return item->valuedouble != 0;
    if (cJSON_IsString(item))
        return item->valuestring[0] != '\0';
    if (cJSON_IsArray(item) || cJSON_IsObject(item))
        return item->child != NULL;
    return true;
}

/* A tool or function choice that asks for a call: "required" or a named function ("none" and "auto" do not,
 * with no tools to call). */
static bool asks_for_a_call(const cJSON *root, const char *name)
{
    const cJSON *item = field(root, name);
    return item &&
           !(cJSON_IsString(item) && (!strcmp(item->valuestring, "none") || !strcmp(item->valuestring, "auto")));
}

/* Fields that change what the answer holds, which mlavk cannot give: refused, as vLLM and llama-server refuse
 * them, so that no client takes an answer without them for one with them. */
static bool refuse_unsupported(const cJSON *root, server_endpoint endpoint, server_request_error *e)
{
    static const struct {
        const char *name, *what;
    } fields[] = {
        {"logprobs", "log probabilities are not returned"}, {"top_logprobs", "log probabilities are not returned"},
        {"logit_bias", "logit biases are not applied"},     {"tools", "tool calls are not supported"},
        {"functions", "function calls are not supported"},  {"echo", "the prompt is not echoed"},
        {"suffix", "a suffix is not supported"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (asks(root, fields[i].name))
            return fail(e, fields[i].name, "'%s': %s by this server", fields[i].name, fields[i].what);
    /* a completion's logprobs of 0 still asks for the chosen tokens' */
    if (endpoint == SERVER_COMPLETIONS && cJSON_IsNumber(field(root, "logprobs")))
        return fail(e, "logprobs", "'logprobs': log probabilities are not returned by this server");
    if (asks_for_a_call(root, "tool_choice"))
        return fail(e, "tool_choice", "'tool_choice': tool calls are not supported by this server");
    if (asks_for_a_call(root, "function_call"))
        return fail(e, "function_call", "'function_call': function calls are not supported by this server");
    const cJSON *best_of = field(root, "best_of");
    if (best_of && !(cJSON_IsNumber(best_of) && best_of->valuedouble == 1))
        return fail(e, "best_of", "'best_of' must be 1: one completion is generated per request");
    const cJSON *format = field(root, "response_format");
    const cJSON *type = cJSON_IsObject(format) ? cJSON_GetObjectItemCaseSensitive(format, "type") : NULL;
    if (format && !(cJSON_IsString(type) && strcmp(type->valuestring, "text") == 0))
        return fail(e, "response_format", "'response_format': only {\"type\": \"text\"}; JSON modes and schemas "
                    "are not supported by this server");
    return true;
}

bool server_request_parse(server_endpoint endpoint, const char *body, size_t length, server_request *out,
                          server_request_error *error)
{
    memset(out, 0, sizeof *out);
    memset(error, 0, sizeof *error);
    out->endpoint = endpoint;
    cJSON *root = cJSON_ParseWithLength(body, length);
    if (!root)
        return fail(error, "", "the body is not valid JSON");
    bool ok = cJSON_IsObject(root) || fail(error, "", "the body must be a JSON object");
    const cJSON *model = ok ? field(root, "model") : NULL;
    if (ok && model && !cJSON_IsString(model))
        ok = fail(error, "model", "'model' must be a string");
    if (ok && model)
        ok = (out->model = copy_string(model->valuestring, error, "model")) != NULL;
    ok = ok && (endpoint == SERVER_CHAT ? read_messages(root, out, error) : read_prompt(root, out, error));
    ok = ok && read_stream(root, out, error) && read_generation(root, out, error) && read_stop(root, out, error) &&
         refuse_unsupported(root, endpoint, error);
    cJSON_Delete(root);
    if (!ok)
        server_request_free(out);
    return ok;
}

void server_request_free(server_request *r)
{
    free(r->model);
    for (size_t i = 0; i < r->n_messages; i++)
        free((char *)r->messages[i].content);
    free(r->messages);
    free(r->prompt);
    for (uint32_t i = 0; i < r->n_stop; i++)
        free(r->stop[i]);
    memset(r, 0, sizeof *r);
}
