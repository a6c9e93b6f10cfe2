/* The C chat templates render exactly the text the reference's Jinja renders for each golden conversation,
 * and that text encodes to the reference ids; a chat turn evaluates only what the cache lacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_tokenizer_common.h"
#include "test_util.h"

#define MAX_MESSAGES 16

static void check_chat(mlavk_tokenizer *tokenizer, const cJSON *chat, int index)
{
    const cJSON *template_name = cJSON_GetObjectItemCaseSensitive(chat, "template");
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(chat, "messages");
    const cJSON *want_text = cJSON_GetObjectItemCaseSensitive(chat, "text");
    mlavk_chat_message list[MAX_MESSAGES];
    size_t count = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, messages) {
        if (count == MAX_MESSAGES)
            break;
        list[count++] = (mlavk_chat_message){cJSON_GetObjectItemCaseSensitive(m, "role")->valuestring,
                                             cJSON_GetObjectItemCaseSensitive(m, "content")->valuestring};
    }
    mlavk_chat_template style = strcmp(template_name->valuestring, "v2") == 0 ? MLAVK_CHAT_DEEPSEEK_V2
                                                                              : MLAVK_CHAT_DEEPSEEK_V3;
    int generation = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(chat, "add_generation_prompt"));
    char *text;
    size_t length;
    mlavk_status status = mlavk_chat_render(tokenizer, style, list, count, generation, &text, &length);
    CHECK_MSG(status == MLAVK_OK, "chat %d: %s", index, mlavk_last_error());
    if (status != MLAVK_OK)
        return;
    CHECK_MSG(strcmp(text, want_text->valuestring) == 0, "chat %d renders\n%s\nwant\n%s", index, text,
              want_text->valuestring);
    int32_t *ids;
    size_t id_count;
    status = mlavk_tokenize(tokenizer, text, length, 0, &ids, &id_count);
    CHECK_MSG(status == MLAVK_OK, "chat %d: %s", index, mlavk_last_error());
    if (status == MLAVK_OK)
        golden_compare_ids(cJSON_GetObjectItemCaseSensitive(chat, "ids"), ids, id_count, "chat", index);
    free(ids);
    free(text);
}

/* The one case the task fixes by hand, independent of the golden file. */
static void check_v3_hi(mlavk_tokenizer *tokenizer)
{
    const int32_t want[] = {0, 128803, 23166, 3, 128804};
    mlavk_chat_message message = {"user", "Hi!"};
    char *text;
    size_t length, count = 0;
    int32_t *ids = NULL;
    CHECK(mlavk_chat_render(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, &message, 1, 1, &text, &length) == MLAVK_OK);
    CHECK(mlavk_tokenize(tokenizer, text, length, 0, &ids, &count) == MLAVK_OK);
    CHECK(count == 5 && memcmp(ids, want, sizeof want) == 0);
    free(ids);
    free(text);
    mlavk_chat_message tool = {"tool", "{}"};
    CHECK(mlavk_chat_render(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, &tool, 1, 1, &text, &length) ==
          MLAVK_ERR_UNSUPPORTED);
}

/* The ids of a text, for comparisons. */
static bool same_ids(mlavk_tokenizer *tokenizer, const char *text, const int32_t *ids, size_t count)
{
    int32_t *want = NULL;
    size_t n = 0;
    bool same = mlavk_tokenize(tokenizer, text, strlen(text), 0, &want, &n) == MLAVK_OK && n == count &&
                memcmp(want, ids, n * sizeof *ids) == 0;
    free(want);
    return same;
}

/* mlavk_chat_turn: only what the cache lacks, the stop token the model wrote left out when the template writes
 * it there; the whole rendering again when the conversation no longer renders with the cached beginning. */
static void check_turns(mlavk_tokenizer *tokenizer)
{
    const int32_t eos = mlavk_tokenizer_eos(tokenizer);
    mlavk_chat_message m[] = {{"user", "Hi"}, {"assistant", "Hello"}, {"user", "Bye"}};
    char *first = NULL, *second = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    int restart = 1;
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, m, 1, NULL, NULL, -1, &first, &ids, &n, &restart) ==
          MLAVK_OK);
    CHECK(first && strcmp(first, "<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>") == 0 && !restart);
    CHECK(first && same_ids(tokenizer, first, ids, n));
    free(ids);
    /* The reply ended with the end-of-sentence token, which the template writes next: left out. */
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, m, 3, first, "Hello", eos, &second, &ids, &n,
                          &restart) == MLAVK_OK);
    CHECK(!restart && same_ids(tokenizer, "<｜User｜>Bye<｜Assistant｜>", ids, n));
    free(ids);
    free(second);
    /* A reply cut short: the template's end-of-sentence token is evaluated. */
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, m, 3, first, "Hello", -1, &second, &ids, &n,
                          &restart) == MLAVK_OK);
    CHECK(!restart && same_ids(tokenizer, "<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜>", ids, n));
    free(ids);
    free(second);
    /* A stop token the template does not write there: the cache starts over. */
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_DEEPSEEK_V3, m, 3, first, "Hello", 5, &second, &ids, &n,
                          &restart) == MLAVK_OK);
    CHECK(restart && second && same_ids(tokenizer, second, ids, n));
    free(ids);
    free(second);
    free(first);
    /* GLM-4.7 drops the reasoning of a reply once a user message follows it: the cache starts over. */
    mlavk_chat_message g[] = {{"user", "Hi"}, {"assistant", "Think.</think>Hello"}, {"user", "Bye"}};
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_GLM_4_7, g, 1, NULL, NULL, -1, &first, &ids, &n, &restart) ==
          MLAVK_OK);
    CHECK(first && strcmp(first, "[gMASK]<sop><|user|>Hi<|assistant|><think>") == 0);
    free(ids);
    CHECK(mlavk_chat_turn(tokenizer, MLAVK_CHAT_GLM_4_7, g, 3, first, "Think.</think>Hello", -1, &second, &ids, &n,
                          &restart) == MLAVK_OK);
    CHECK(restart && second && strcmp(second, "[gMASK]<sop><|user|>Hi<|assistant|></think>Hello<|user|>Bye"
                                              "<|assistant|><think>") == 0 && same_ids(tokenizer, second, ids, n));
    free(ids);
    free(second);
    free(first);
}

int main(int argc, char **argv)
{
    mlavk_tokenizer *tokenizer;
    cJSON *golden;
    if (golden_open(argc, argv, &tokenizer, &golden)) {
        const cJSON *chats = cJSON_GetObjectItemCaseSensitive(golden, "chats");
        CHECK(cJSON_GetArraySize(chats) >= 6);
        int index = 0;
        const cJSON *chat;
        cJSON_ArrayForEach(chat, chats)
            check_chat(tokenizer, chat, index++);
        check_v3_hi(tokenizer);
        /* tokenizer_config.json's own template is V3's. */
        mlavk_chat_template style;
        CHECK(mlavk_chat_template_of(tokenizer, &style) == MLAVK_OK && style == MLAVK_CHAT_DEEPSEEK_V3);
        check_turns(tokenizer);
    }
    golden_close(tokenizer, golden);
    return test_finish("tokenizer_chat");
}
