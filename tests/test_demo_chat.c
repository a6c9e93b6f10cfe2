/* Checks a run of mlavk-chat --script: the transcript it printed is what the engine generates for the same
 * turns with greedy sampling, and its screenshot shows a drawn window (not blank; side panel and conversation
 * drawn). usage: test_demo_chat SCRIPT TRANSCRIPT PNG N_PREDICT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image.h>

#include "mlavk.h"
#include "test_util.h"

#define MAX_TURNS 16

typedef struct conversation {
    mlavk_chat_message messages[2 * MAX_TURNS + 1];
    char *replies[MAX_TURNS];
    size_t count;
    int last_reply_ended;
    mlavk_chat_template style; /* the model's own */
} conversation;

typedef struct collected {
    int32_t ids[4096];
    size_t count;
    int32_t eos;
    int saw_eos;
} collected;

static int collect(int32_t token, void *user)
{
    collected *c = user;
    if (token == c->eos)
        c->saw_eos = 1;
    else if (c->count < 4096)
        c->ids[c->count++] = token;
    return 0;
}

/* The tokens one user turn adds after the cached conversation: the template's growth, plus the
 * end-of-sentence token when the previous reply was cut off before the model wrote one. */
static int32_t *turn_ids(mlavk_engine *e, conversation *conv, const char *user, size_t *n)
{
    mlavk_tokenizer *tok = mlavk_engine_tokenizer(e);
    conv->messages[conv->count] = (mlavk_chat_message){"user", user};
    char *before, *after;
    size_t before_len, after_len;
    CHECK(mlavk_chat_render(tok, conv->style, conv->messages, conv->count, 0, &before, &before_len) == 0);
    CHECK(mlavk_chat_render(tok, conv->style, conv->messages, conv->count + 1, 1, &after, &after_len) == 0);
    size_t skip = mlavk_engine_n_past(e) ? before_len : 0;
    int32_t *ids = NULL;
    size_t count = 0;
    CHECK(mlavk_tokenize(tok, after + skip, after_len - skip, 0, &ids, &count) == 0);
    int32_t *out = malloc((count + 1) * sizeof *out);
    size_t k = 0;
    if (skip && !conv->last_reply_ended)
        out[k++] = mlavk_tokenizer_eos(tok);
    memcpy(out + k, ids, count * sizeof *ids);
    *n = k + count;
    free(ids);
    free(before);
    free(after);
    conv->count++;
    return out;
}

/* What the demo should have printed: each reply's text and a newline. */
static char *expected_transcript(const char *script_path, uint32_t n_predict)
{
    mlavk_engine_params params = {.profile = 1};
    mlavk_engine *e = NULL;
    if (mlavk_engine_create(&params, &e) != MLAVK_OK) {
        fprintf(stderr, "engine: %s\n", mlavk_last_error());
        return NULL;
    }
    mlavk_sampling sampling = mlavk_sampling_defaults();
    sampling.temperature = 0;
    sampling.seed = 7;
    FILE *f = fopen(script_path, "r");
    CHECK(f != NULL);
    static conversation conv;
    static collected got;
    CHECK(mlavk_chat_template_of(mlavk_engine_tokenizer(e), &conv.style) == MLAVK_OK);
    size_t out_len = 0, turns = 0;
    char *out = calloc(1, 1), line[4096], *lines[MAX_TURNS];
    while (f && turns < MAX_TURNS && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        lines[turns] = strdup(line);
        size_t n;
        int32_t *ids = turn_ids(e, &conv, lines[turns], &n);
        got = (collected){.eos = mlavk_tokenizer_eos(mlavk_engine_tokenizer(e))};
        CHECK(mlavk_engine_generate(e, ids, (uint32_t)n, n_predict, &sampling, collect, &got, NULL) == MLAVK_OK);
        free(ids);
        char *text = NULL;
        size_t length = 0;
        CHECK(mlavk_detokenize(mlavk_engine_tokenizer(e), got.ids, got.count, &text, &length) == MLAVK_OK);
        conv.replies[turns] = text;
        conv.messages[conv.count++] = (mlavk_chat_message){"assistant", text};
        conv.last_reply_ended = got.saw_eos;
        out = realloc(out, out_len + length + 2);
        memcpy(out + out_len, text, length);
        out_len += length;
        out[out_len++] = '\n';
        out[out_len] = '\0';
        turns++;
    }
    if (f)
        fclose(f);
    for (size_t i = 0; i < turns; i++) {
        free(lines[i]);
        free(conv.replies[i]);
    }
    mlavk_engine_free(e);
    return out;
}

/* Share of pixels in a rectangle that differ from the colour at its first pixel (the background). */
static double drawn_share(const unsigned char *rgb, int width, int x0, int y0, int x1, int y1)
{
    const unsigned char *bg = rgb + ((size_t)y0 * width + x0) * 3;
    size_t differ = 0, total = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, total++)
            differ += memcmp(rgb + ((size_t)y * width + x) * 3, bg, 3) != 0;
    return total ? (double)differ / total : 0;
}

static void check_screenshot(const char *path)
{
    int width = 0, height = 0, channels = 0;
    unsigned char *rgb = stbi_load(path, &width, &height, &channels, 3);
    CHECK_MSG(rgb != NULL, "%s: not a readable PNG", path);
    if (!rgb)
        return;
    CHECK(width >= 600 && height >= 400);
    /* Distinct colours (a coarse 15-bit histogram) and the spread of brightness. */
    static unsigned char seen[1 << 15];
    size_t distinct = 0, n = (size_t)width * height;
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = rgb + 3 * i;
        unsigned key = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | p[2] >> 3;
        distinct += !seen[key];
        seen[key] = 1;
        double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        sum += l;
        sum2 += l * l;
    }
    double variance = sum2 / n - (sum / n) * (sum / n);
    printf("screenshot %dx%d: %zu distinct colours, brightness variance %.1f\n", width, height, distinct, variance);
    CHECK_MSG(distinct >= 32, "only %zu distinct colours", distinct);
    CHECK_MSG(variance > 50, "brightness variance %.1f: nearly blank", variance);
    /* The side panel is the right third at most; the conversation sits below the top bar on the left. */
    double panel = drawn_share(rgb, width, width * 3 / 4, 2, width - 2, height / 2);
    double chat = drawn_share(rgb, width, 2, 46, width / 2, height / 2);
    printf("drawn: side panel %.3f, conversation %.3f\n", panel, chat);
    CHECK_MSG(panel > 0.05, "side panel looks empty (%.3f)", panel);
    CHECK_MSG(chat > 0.10, "conversation looks empty (%.3f)", chat);
    stbi_image_free(rgb);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_demo_chat SCRIPT TRANSCRIPT PNG N_PREDICT\n");
        return 2;
    }
    size_t got_size = 0;
    char *got = test_read_file(argv[2], &got_size);
    CHECK_MSG(got != NULL, "%s: no transcript", argv[2]);
    char *want = expected_transcript(argv[1], (uint32_t)strtoul(argv[4], NULL, 10));
    CHECK(want != NULL);
    if (got && want) {
        int same = got_size == strlen(want) && memcmp(got, want, got_size) == 0;
        CHECK_MSG(same, "the demo's transcript differs from the engine's replies");
        if (!same)
            printf("--- demo printed:\n%.*s--- the engine generates:\n%s", (int)got_size, got, want);
        else
            printf("transcript: %zu bytes, as the engine generates\n", got_size);
    }
    free(got);
    free(want);
    check_screenshot(argv[3]);
    return test_finish("demo_chat");
}
