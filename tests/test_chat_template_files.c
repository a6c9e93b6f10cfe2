/* A model's chat template is read from its own files: GGUF tokenizer.chat_template, tokenizer_config.json's
 * chat_template (a string, or the "default" of a named list) and chat_template.jinja beside it, which wins.
 * mlavk_chat_template_of names the file when it has no template or one that is not recognised, and a family
 * that takes texts from its template refuses a tokenizer whose template is another. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlavk.h"
#include "test_util.h"

#define TEMPLATES MLAVK_SOURCE_DIR "/tests/data/chat_templates/"

static char dir[64];

static char *read_template(const char *name)
{
    size_t size;
    char *text = test_read_file(name, &size);
    CHECK_MSG(text != NULL, "cannot read %s", name);
    return text;
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void remove_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* A three-token byte-level BPE vocabulary with <s> and </s>. */
static void write_tokenizer(void)
{
    write_file("tokenizer.json",
               "{\"added_tokens\": [{\"id\": 3, \"content\": \"<s>\", \"special\": true}, {\"id\": 4, \"content\": "
               "\"</s>\", \"special\": true}], \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": "
               "2}, \"merges\": [\"a b\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
               "\"use_regex\": false}}");
}

/* tokenizer_config.json with <s> and </s> and chat_template (a JSON value, or none). */
static void write_config(cJSON *chat_template)
{
    cJSON *config = cJSON_CreateObject();
    cJSON_AddStringToObject(config, "bos_token", "<s>");
    cJSON_AddStringToObject(config, "eos_token", "</s>");
    if (chat_template)
        cJSON_AddItemToObject(config, "chat_template", chat_template);
    char *text = cJSON_PrintUnformatted(config);
    write_file("tokenizer_config.json", text);
    free(text);
    cJSON_Delete(config);
}

static mlavk_tokenizer *load(mlavk_status want)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    mlavk_tokenizer *t = NULL;
    mlavk_status status = mlavk_tokenizer_load_json(path, NULL, &t);
    CHECK_MSG(status == want, "load: status %d (%s), want %d", (int)status, mlavk_last_error(), (int)want);
    return t;
}

static void check_family(mlavk_tokenizer *t, mlavk_chat_template want)
{
    mlavk_chat_template style;
    mlavk_status status = t ? mlavk_chat_template_of(t, &style) : MLAVK_ERR_INVALID_ARGUMENT;
    CHECK_MSG(status == MLAVK_OK && style == want, "template: %s, want %s",
              status == MLAVK_OK ? mlavk_chat_template_name(style) : mlavk_last_error(),
              mlavk_chat_template_name(want));
}

static void check_render(mlavk_tokenizer *t, mlavk_chat_template style, const char *want)
{
    mlavk_chat_message m[] = {{"system", "S"}, {"user", "U"}};
    char *text = NULL;
    size_t length;
    CHECK_MSG(t && mlavk_chat_render(t, style, m, 2, 1, &text, &length) == MLAVK_OK, "render: %s",
              mlavk_last_error());
    CHECK_MSG(text && strcmp(text, want) == 0, "rendered %s, want %s", text ? text : "nothing", want);
    free(text);
}

static void check_config_files(void)
{
    char *mistral = read_template(TEMPLATES "mistralai-Ministral-3-14B-Reasoning-2512.jinja");
    char *v2 = read_template(TEMPLATES "deepseek-v2.jinja");
    char *glm = read_template(TEMPLATES "GLM-4.7-Flash.jinja");
    char *qwen = read_template(TEMPLATES "Qwen-Qwen3-0.6B.jinja");
    if (!mistral || !v2 || !glm || !qwen)
        goto done;
    write_tokenizer();

    /* A string, rendered with the tokenizer's own BOS and EOS. */
    write_config(cJSON_CreateString(mistral));
    mlavk_tokenizer *t = load(MLAVK_OK);
    CHECK(t && strcmp(mlavk_tokenizer_chat_template(t), mistral) == 0);
    check_family(t, MLAVK_CHAT_MISTRAL_3);
    check_render(t, MLAVK_CHAT_MISTRAL_3, "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT][INST]U[/INST]");
    mlavk_tokenizer_free(t);

    /* A named list: the "default" one. */
    cJSON *list = cJSON_CreateArray();
    cJSON *tool_use = cJSON_CreateObject(), *standard = cJSON_CreateObject();
    cJSON_AddStringToObject(tool_use, "name", "tool_use");
    cJSON_AddStringToObject(tool_use, "template", qwen);
    cJSON_AddStringToObject(standard, "name", "default");
    cJSON_AddStringToObject(standard, "template", v2);
    cJSON_AddItemToArray(list, tool_use);
    cJSON_AddItemToArray(list, standard);
    write_config(list);
    t = load(MLAVK_OK);
    check_family(t, MLAVK_CHAT_DEEPSEEK_V2);
    check_render(t, MLAVK_CHAT_DEEPSEEK_V2, "<s>S\n\nUser: U\n\nAssistant:");
    mlavk_tokenizer_free(t);

    /* chat_template.jinja beside it replaces the config's. */
    write_file("chat_template.jinja", glm);
    t = load(MLAVK_OK);
    check_family(t, MLAVK_CHAT_GLM_4_7);
    check_render(t, MLAVK_CHAT_GLM_4_7, "[gMASK]<sop><|system|>S<|user|>U<|assistant|><think>");
    mlavk_tokenizer_free(t);
    remove_file("chat_template.jinja");

    /* Not recognised: one line naming the file. */
    write_config(cJSON_CreateString(qwen));
    t = load(MLAVK_OK);
    mlavk_chat_template style;
    CHECK(t && mlavk_chat_template_of(t, &style) == MLAVK_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(mlavk_last_error(), "tokenizer_config.json: chat template not recognised") &&
                  !strchr(mlavk_last_error(), '\n'),
              "message: %s", mlavk_last_error());
    /* Kimi's rendering takes its default system message from the tokenizer's template, which is not Kimi's. */
    char *text = NULL;
    size_t length;
    mlavk_chat_message hi = {"user", "Hi"};
    CHECK(t && mlavk_chat_render(t, MLAVK_CHAT_KIMI_K2, &hi, 1, 1, &text, &length) == MLAVK_ERR_INVALID_ARGUMENT);
    CHECK_MSG(strstr(mlavk_last_error(), "which is not a kimi-k2 template"), "message: %s", mlavk_last_error());
    mlavk_tokenizer_free(t);

    /* No template. */
    write_config(NULL);
    t = load(MLAVK_OK);
    CHECK(t && mlavk_tokenizer_chat_template(t) == NULL);
    CHECK(t && mlavk_chat_template_of(t, &style) == MLAVK_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(mlavk_last_error(), "tokenizer.json: the model has no chat template"), "message: %s",
              mlavk_last_error());
    mlavk_tokenizer_free(t);

    /* Malformed. */
    write_config(cJSON_CreateNumber(3));
    t = load(MLAVK_ERR_FORMAT);
    CHECK_MSG(strstr(mlavk_last_error(), "\"chat_template\" is not a string"), "message: %s", mlavk_last_error());
    mlavk_tokenizer_free(t);
    remove_file("tokenizer_config.json");
    remove_file("tokenizer.json");
done:
    free(mistral);
    free(v2);
    free(glm);
    free(qwen);
}

/* The built-in model's GGUF carries its template (tools/train_tiny/export_gguf.py), a V3 one. */
static void check_gguf(void)
{
    mlavk_tokenizer *t = NULL;
    mlavk_status status = mlavk_tokenizer_load_model(MLAVK_SOURCE_DIR "/models/mlavk-tiny-shakespeare.gguf", &t);
    CHECK_MSG(status == MLAVK_OK, "load: %s", mlavk_last_error());
    char *want = read_template(TEMPLATES "mlavk-tiny-shakespeare.jinja");
    const char *got = t ? mlavk_tokenizer_chat_template(t) : NULL;
    CHECK(got && want && strcmp(got, want) == 0);
    if (t)
        check_family(t, MLAVK_CHAT_DEEPSEEK_V3);
    free(want);
    mlavk_tokenizer_free(t);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/mlavk-chat-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    check_config_files();
    rmdir(dir);
    check_gguf();
    return test_finish("chat_template_files");
}
