/* Loader for the tokenizer arrays of a GGUF file (read by runtime/formats, handed over as tok_gguf_vocab),
 * and the pre-tokenizer regexes GGUF files name only by tokenizer.ggml.pre. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "util/status.h"

#define TEXT(s) {s, sizeof s - 1}

/* DeepSeek-V3's tokenizer.json pre_tokenizer, step by step. */
static const tok_text deepseek_v3_regexes[] = {
    TEXT("\\p{N}{1,3}"),
    TEXT("[一-龥぀-ゟ゠-ヿ]+"),
    TEXT("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
         " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
};

/* DeepSeek-LLM / V2's: newlines, letters (the cased-letter ranges of Latin, Greek, Cyrillic and others),
 * ASCII and full-width punctuation, trailing whitespace, CJK and Hangul, digits. */
static const tok_text deepseek_llm_regexes[] = {
    TEXT("[\r\n]"),
    TEXT("\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-"
         "ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-"
         "ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+"),
    TEXT("\\s?[!-/:-~！-／：-～‘-‟　-。]+"),
    TEXT("\\s+$"),
    TEXT("[一-龥ࠀ-一가-퟿]+"),
    TEXT("\\p{N}+"),
};

bool tok_pre_regexes(const char *pre, const tok_text **regexes, uint32_t *count)
{
    if (strcmp(pre, "deepseek-v3") == 0) {
        *regexes = deepseek_v3_regexes;
        *count = sizeof deepseek_v3_regexes / sizeof deepseek_v3_regexes[0];
        return true;
    }
    if (strcmp(pre, "deepseek-llm") == 0) {
        *regexes = deepseek_llm_regexes;
        *count = sizeof deepseek_llm_regexes / sizeof deepseek_llm_regexes[0];
        return true;
    }
    return false;
}

static mlavk_status fill_tokens(const tok_gguf_vocab *g, tok_text *tokens, uint8_t *types, tok_added_token *added,
                                uint32_t *added_count)
{
    for (size_t id = 0; id < g->token_count; id++) {
        if (!g->tokens[id])
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tokenizer.ggml.tokens[%zu] is missing", g->source, id);
        tokens[id] = (tok_text){g->tokens[id], g->token_lengths[id]};
        int32_t type = g->token_types ? g->token_types[id] : TOK_TYPE_NORMAL;
        if (type < TOK_TYPE_UNDEFINED || type > TOK_TYPE_BYTE)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: token %zu has unknown type %d", g->source, id, type);
        types[id] = (uint8_t)type;
        if (type == TOK_TYPE_CONTROL || type == TOK_TYPE_USER_DEFINED)
            added[(*added_count)++] = (tok_added_token){.id = (uint32_t)id, .content = tokens[id],
                                                        .special = type == TOK_TYPE_CONTROL};
    }
    return MLAVK_OK;
}

static mlavk_status fill_merges(const tok_gguf_vocab *g, tok_text *merges)
{
    for (size_t rank = 0; rank < g->merge_count; rank++) {
        const char *m = g->merges[rank];
        size_t length = g->merge_lengths[rank];
        const char *space = m ? memchr(m, ' ', length) : NULL;
        if (!space || space == m || space + 1 == m + length || memchr(space + 1, ' ', (size_t)(m + length - space - 1)))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tokenizer.ggml.merges[%zu] is not \"left right\"", g->source,
                              rank);
        merges[2 * rank] = (tok_text){m, (size_t)(space - m)};
        merges[2 * rank + 1] = (tok_text){space + 1, (size_t)(m + length - space - 1)};
    }
    return MLAVK_OK;
}

static mlavk_status check_gguf(const tok_gguf_vocab *g)
{
    if (!g->model || strcmp(g->model, "gpt2") != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tokenizer.ggml.model is \"%.32s\", only \"gpt2\" (byte-level "
                          "BPE) is supported", g->source, g->model ? g->model : "");
    if (g->token_count == 0 || g->token_count > UINT32_MAX / 4 || g->merge_count > UINT32_MAX / 4 || !g->tokens ||
        !g->token_lengths || (g->merge_count && (!g->merges || !g->merge_lengths)))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tokenizer.ggml.tokens or merges are missing or too large",
                          g->source);
    return MLAVK_OK;
}

mlavk_status tok_load_gguf(const tok_gguf_vocab *g, mlavk_tokenizer **tokenizer)
{
    *tokenizer = NULL;
    MLAVK_TRY(check_gguf(g));
    tok_vocab_desc desc = {.source = g->source, .token_count = (uint32_t)g->token_count,
                           .merge_count = (uint32_t)g->merge_count, .bos_id = g->bos_id, .eos_id = g->eos_id,
                           .add_bos = g->add_bos < 0 ? g->bos_id >= 0 : g->add_bos > 0};
    if (!g->pre || !tok_pre_regexes(g->pre, &desc.split_regexes, &desc.split_count))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tokenizer.ggml.pre \"%.32s\" is not supported (deepseek-v3, "
                          "deepseek-llm)", g->source, g->pre ? g->pre : "");
    tok_text *tokens = malloc(g->token_count * sizeof *tokens);
    uint8_t *types = malloc(g->token_count);
    tok_added_token *added = malloc(g->token_count * sizeof *added);
    tok_text *merges = malloc((2 * g->merge_count + 1) * sizeof *merges);
    mlavk_status status = MLAVK_OK;
    if (!tokens || !types || !added || !merges)
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory loading the tokenizer", g->source);
    if (status == MLAVK_OK)
        status = fill_tokens(g, tokens, types, added, &desc.added_count);
    if (status == MLAVK_OK)
        status = fill_merges(g, merges);
    if (status == MLAVK_OK) {
        desc.tokens = tokens;
        desc.token_types = types;
        desc.added = added;
        desc.merges = merges;
        status = tok_build(&desc, tokenizer);
    }
    free(tokens);
    free(types);
    free(added);
    free(merges);
    return status;
}
