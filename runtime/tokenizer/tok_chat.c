/* DeepSeek chat templates rendered without a Jinja engine. Each function writes what the model's
 * tokenizer_config.json chat_template writes for conversations of system, user and assistant messages. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "util/status.h"

typedef struct text_buffer {
    char *data;
    size_t length, capacity;
    bool failed;
} text_buffer;

static void append(text_buffer *b, const char *text, size_t length)
{
    if (b->failed)
        return;
    if (b->length + length + 1 > b->capacity) {
        size_t capacity = 2 * (b->length + length + 1);
        char *grown = realloc(b->data, capacity);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, text, length);
    b->length += length;
    b->data[b->length] = '\0';
}

static void append_str(text_buffer *b, const char *text) { append(b, text, strlen(text)); }

static void append_token(text_buffer *b, const mlavk_tokenizer *t, int32_t id)
{
    append(b, t->decoded + t->decoded_offset[id], t->decoded_offset[id + 1] - t->decoded_offset[id]);
}

static bool role_is(const mlavk_chat_message *m, const char *role) { return strcmp(m->role, role) == 0; }

/* V3: {bos}{system prompts joined by "\n\n"}, then per turn <｜User｜>{content} or
 * <｜Assistant｜>{content}<｜end▁of▁sentence｜>; the generation prompt is <｜Assistant｜>. */
static void render_v3(text_buffer *b, const mlavk_tokenizer *t, const mlavk_chat_message *messages, size_t count,
                      bool add_generation_prompt)
{
    append_token(b, t, t->bos_id);
    bool first_system = true;
    for (size_t i = 0; i < count; i++)
        if (role_is(&messages[i], "system")) {
            if (!first_system)
                append_str(b, "\n\n");
            append_str(b, messages[i].content);
            first_system = false;
        }
    for (size_t i = 0; i < count; i++) {
        if (role_is(&messages[i], "user")) {
            append_str(b, "<｜User｜>");
            append_str(b, messages[i].content);
        } else if (role_is(&messages[i], "assistant")) {
            append_str(b, "<｜Assistant｜>");
            append_str(b, messages[i].content);
            append_str(b, "<｜end▁of▁sentence｜>");
        }
    }
    if (add_generation_prompt)
        append_str(b, "<｜Assistant｜>");
}

/* V2 (DeepSeek-V2-Chat): {bos}, then in order {system}\n\n, User: {content}\n\n, Assistant: {content}{eos};
 * the generation prompt is "Assistant:" with no space after it. */
static void render_v2(text_buffer *b, const mlavk_tokenizer *t, const mlavk_chat_message *messages, size_t count,
                      bool add_generation_prompt)
{
    append_token(b, t, t->bos_id);
    for (size_t i = 0; i < count; i++) {
        if (role_is(&messages[i], "user")) {
            append_str(b, "User: ");
            append_str(b, messages[i].content);
            append_str(b, "\n\n");
        } else if (role_is(&messages[i], "assistant")) {
            append_str(b, "Assistant: ");
            append_str(b, messages[i].content);
            append_token(b, t, t->eos_id);
        } else if (role_is(&messages[i], "system")) {
            append_str(b, messages[i].content);
            append_str(b, "\n\n");
        }
    }
    if (add_generation_prompt)
        append_str(b, "Assistant:");
}

static mlavk_status check_chat(const mlavk_tokenizer *t, mlavk_chat_template style,
                               const mlavk_chat_message *messages, size_t count)
{
    if (style != MLAVK_CHAT_DEEPSEEK_V3 && style != MLAVK_CHAT_DEEPSEEK_V2)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: unknown template %d", (int)style);
    if (t->bos_id < 0 || (style == MLAVK_CHAT_DEEPSEEK_V2 && t->eos_id < 0))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: the chat template needs BOS and EOS tokens, which this "
                          "tokenizer lacks (no tokenizer_config.json?)", t->source);
    for (size_t i = 0; i < count; i++) {
        const mlavk_chat_message *m = &messages[i];
        if (!m->role || !m->content)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: message %zu has no role or content", i);
        if (!role_is(m, "system") && !role_is(m, "user") && !role_is(m, "assistant"))
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "chat template: message %zu has role \"%.32s\" (only system, "
                              "user and assistant are supported)", i, m->role);
    }
    return MLAVK_OK;
}

mlavk_status mlavk_chat_render(const mlavk_tokenizer *t, mlavk_chat_template style,
                               const mlavk_chat_message *messages, size_t count, int add_generation_prompt,
                               char **text, size_t *length)
{
    *text = NULL;
    *length = 0;
    MLAVK_TRY(check_chat(t, style, messages, count));
    text_buffer b = {0};
    if (style == MLAVK_CHAT_DEEPSEEK_V3)
        render_v3(&b, t, messages, count, add_generation_prompt != 0);
    else
        render_v2(&b, t, messages, count, add_generation_prompt != 0);
    if (b.failed) {
        free(b.data);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory");
    }
    *text = b.data;
    *length = b.length;
    return MLAVK_OK;
}
