/* libFuzzer harness: any bytes as a model's Jinja chat template (GGUF tokenizer.chat_template and
 * tokenizer_config.json are untrusted). Recognition must answer without crashing, and rendering a fixed
 * conversation in every family with that template text must succeed or fail cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_chat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mlavk_chat_template recognised;
    mlavk_chat_template_recognise(text, &recognised);
    const mlavk_chat_message messages[] = {{"system", "S"}, {"user", "<think>u</think>"}, {"assistant", "a</think>b"},
                                           {"user", " \xe3\x80\x80"}};
    for (int style = 0; style < MLAVK_CHAT_TEMPLATE_COUNT; style++) {
        tok_chat_format format = {(mlavk_chat_template)style, text, "<s>", "</s>", "fuzz.jinja"};
        char *rendered;
        size_t length;
        if (tok_chat_render_format(&format, messages, 4, 1, &rendered, &length) == MLAVK_OK)
            free(rendered);
    }
    free(text);
    return 0;
}
