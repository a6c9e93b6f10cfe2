/* Every chat template in tests/data/chat_templates is recognised as the family tests/golden/chat_templates.json
 * names (or not at all where it names none), and the C rendering of each golden conversation, with and without
 * the generation prompt, is byte for byte the text Jinja2 rendered, or an error where Jinja2 raised one.
 * usage: test_chat_templates TEMPLATE_DIR GOLDEN_JSON */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tokenizer/tok_chat.h"

#define MAX_MESSAGES 16

static const char *string_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Where two texts first differ, for the failure message. */
static size_t first_difference(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

static void check_rendering(const tok_chat_format *format, const cJSON *conversation, const cJSON *rendering)
{
    mlavk_chat_message list[MAX_MESSAGES];
    size_t count = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(conversation, "messages")) {
        CHECK(count < MAX_MESSAGES);
        if (count < MAX_MESSAGES)
            list[count++] = (mlavk_chat_message){string_of(m, "role"), string_of(m, "content")};
    }
    int prompt = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rendering, "add_generation_prompt"));
    const char *name = string_of(conversation, "name");
    const char *want = string_of(rendering, "text"), *error = string_of(rendering, "error");
    char *text = NULL;
    size_t length = 0;
    mlavk_status status = tok_chat_render_format(format, list, count, prompt, &text, &length);
    if (error) {
        CHECK_MSG(status != MLAVK_OK, "%s, \"%s\", prompt %d: rendered, where Jinja raised \"%s\"", format->source,
                  name, prompt, error);
        CHECK_MSG(status == MLAVK_OK || strstr(mlavk_last_error(), error), "%s, \"%s\": error \"%s\", want \"%s\"",
                  format->source, name, mlavk_last_error(), error);
    } else if (status != MLAVK_OK) {
        CHECK_MSG(false, "%s, \"%s\", prompt %d: %s", format->source, name, prompt, mlavk_last_error());
    } else {
        size_t at = first_difference(text, want);
        CHECK_MSG(length == strlen(want) && strcmp(text, want) == 0,
                  "%s, \"%s\", prompt %d: differs at byte %zu\n  C:     %.80s\n  Jinja: %.80s", format->source,
                  name, prompt, at, text + at, want + at);
    }
    free(text);
}

static void check_template(const char *dir, const cJSON *entry, const cJSON *conversations)
{
    const char *file = string_of(entry, "file"), *family = string_of(entry, "family");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size;
    char *jinja = test_read_file(path, &size);
    CHECK_MSG(jinja != NULL, "cannot read %s", path);
    if (!jinja)
        return;
    mlavk_chat_template style;
    int recognised = mlavk_chat_template_recognise(jinja, &style);
    if (!family) {
        CHECK_MSG(!recognised, "%s: recognised as %s, but renders differently", file,
                  recognised ? mlavk_chat_template_name(style) : "");
    } else {
        CHECK_MSG(recognised && strcmp(mlavk_chat_template_name(style), family) == 0, "%s: recognised as %s, want %s",
                  file, recognised ? mlavk_chat_template_name(style) : "nothing", family);
    }
    if (family && recognised) {
        tok_chat_format format = {style, jinja, string_of(entry, "bos_token"), string_of(entry, "eos_token"), file};
        const cJSON *rendering;
        cJSON_ArrayForEach(rendering, cJSON_GetObjectItemCaseSensitive(entry, "renderings")) {
            int index = cJSON_GetObjectItemCaseSensitive(rendering, "conversation")->valueint;
            check_rendering(&format, cJSON_GetArrayItem(conversations, index), rendering);
        }
    }
    free(jinja);
}

/* Layout does not matter: the same template with every tag's spacing and whitespace markers changed (and its
 * newlines written as escapes inside string literals) is the same family. */
static void check_layout_does_not_matter(void)
{
    const char *compact = "{{bos_token}}{%for message in messages%}{%if message['role']=='user'%}"
                          "{{'User: '+message['content']+'\\n\\n'}}{%elif message['role']=='assistant'%}"
                          "{{'Assistant: '+message['content']+eos_token}}{%elif message['role']=='system'%}"
                          "{{message['content']+'\\n\\n'}}{%endif%}{%endfor%}"
                          "{%if add_generation_prompt%}{{'Assistant:'}}{%endif%}";
    const char *spread = "{{ bos_token }}\n{%- for message in messages %}\n  {%- if message['role'] == 'user' %}\n"
                         "    {{- 'User: ' + message['content'] + '\n\n' }}\n"
                         "  {%- elif message['role'] == 'assistant' %}\n"
                         "    {{- 'Assistant: ' + message['content'] + eos_token }}\n"
                         "  {%- elif message['role'] == 'system' %}\n    {{- message['content'] + '\n\n' }}\n"
                         "  {%- endif %}\n{%- endfor %}\n"
                         "{%- if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}\n";
    mlavk_chat_template a, b;
    CHECK(mlavk_chat_template_recognise(compact, &a) && a == MLAVK_CHAT_DEEPSEEK_V2);
    CHECK(mlavk_chat_template_recognise(spread, &b) && b == MLAVK_CHAT_DEEPSEEK_V2);
    /* A text the V2 rendering would not write is not V2: here a space before the generation prompt's colon. */
    const char *other = "{{bos_token}}{%for message in messages%}{%if message['role']=='user'%}"
                        "{{'User: '+message['content']+'\\n\\n'}}{%elif message['role']=='assistant'%}"
                        "{{'Assistant: '+message['content']+eos_token}}{%elif message['role']=='system'%}"
                        "{{message['content']+'\\n\\n'}}{%endif%}{%endfor%}"
                        "{%if add_generation_prompt%}{{'Assistant :'}}{%endif%}";
    CHECK(!mlavk_chat_template_recognise(other, &a));
    CHECK(!mlavk_chat_template_recognise("", &a) && !mlavk_chat_template_recognise("{{ unclosed", &a));
}

int main(int argc, char **argv)
{
    CHECK_MSG(argc == 3, "usage: %s TEMPLATE_DIR GOLDEN_JSON", argv[0]);
    if (argc != 3)
        return test_finish("chat_templates");
    size_t size;
    char *text = test_read_file(argv[2], &size);
    cJSON *golden = text ? cJSON_ParseWithLength(text, size) : NULL;
    free(text);
    CHECK_MSG(golden != NULL, "cannot read %s", argv[2]);
    const cJSON *templates = cJSON_GetObjectItemCaseSensitive(golden, "templates");
    const cJSON *conversations = cJSON_GetObjectItemCaseSensitive(golden, "conversations");
    CHECK(cJSON_GetArraySize(templates) >= 15 && cJSON_GetArraySize(conversations) >= 15);
    /* Every family has a template among the goldens. */
    for (int s = 0; s < MLAVK_CHAT_TEMPLATE_COUNT; s++) {
        bool found = false;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, templates) {
            const char *family = string_of(entry, "family");
            found |= family && strcmp(family, mlavk_chat_template_name((mlavk_chat_template)s)) == 0;
        }
        CHECK_MSG(found, "no golden template of family %s", mlavk_chat_template_name((mlavk_chat_template)s));
    }
    const cJSON *entry;
    cJSON_ArrayForEach(entry, templates)
        check_template(argv[1], entry, conversations);
    check_layout_does_not_matter();
    cJSON_Delete(golden);
    return test_finish("chat_templates");
}
