/* libFuzzer harness: an HTTP request body of mlavk serve (tools/server/server_request.c); the first byte picks
 * the endpoint (even: chat completions, odd: text completions), the rest is the body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    server_endpoint endpoint = data[0] % 2 ? SERVER_COMPLETIONS : SERVER_CHAT;
    server_request request;
    server_request_error error;
    if (server_request_parse(endpoint, (const char *)data + 1, size - 1, &request, &error)) {
        for (size_t i = 0; i < request.n_messages; i++) /* every string it kept is readable */
            (void)strlen(request.messages[i].content);
        server_request_free(&request);
    } else if (strlen(error.message) == 0) {
        __builtin_trap(); /* every refusal says why */
    }
    return 0;
}
