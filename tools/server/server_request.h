/* The body of a completion request, read from untrusted JSON into plain C (tests/fuzz/fuzz_server_request.c). */
#ifndef MLAVK_SERVER_REQUEST_H
#define MLAVK_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"

typedef enum server_endpoint { SERVER_CHAT, SERVER_COMPLETIONS } server_endpoint;

typedef struct server_request {
    server_endpoint endpoint;
    char *model;                   /* NULL when not given */
    mlavk_chat_message *messages;  /* chat: roles are static strings, contents owned */
    size_t n_messages;
    char *prompt;                  /* completions */
    bool stream, include_usage;
    uint32_t max_tokens;           /* 0: until the context is full */
    mlavk_sampling sampling;
    bool has_seed;
    char *stop[MLAVK_MAX_STOP_STRINGS];
    uint32_t n_stop;
} server_request;

/* A request's problem: a one-line message and the parameter it is about ("" when none). */
typedef struct server_request_error {
    char message[256];
    char param[64];
} server_request_error;

/* Reads a request body; returns false with *error filled (and nothing to free) when it is not valid. */
bool server_request_parse(server_endpoint endpoint, const char *body, size_t length, server_request *out,
                          server_request_error *error);
void server_request_free(server_request *request);

#endif
