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
 * ASCII and full-width punctuation, trailing whitespace, CJK and Hangul, digits. Written as \x{...} escapes
 * because several endpoints (U+1FD3, U+2126, U+212A...) are characters that Unicode normalization would
 * silently replace if they were written literally. */
static const tok_text deepseek_llm_regexes[] = {
    TEXT("[\r\n]"),
    TEXT("\\s?["
         "\\x{0041}-\\x{005A}\\x{0061}-\\x{007A}\\x{00B5}\\x{00C0}-\\x{00D6}\\x{00D8}-\\x{00F6}"
         "\\x{00F8}-\\x{01BA}\\x{01BC}-\\x{01BF}\\x{01C4}-\\x{0293}\\x{0295}-\\x{02AF}"
         "\\x{0370}-\\x{0373}\\x{0376}\\x{0377}\\x{037B}-\\x{037D}\\x{037F}\\x{0386}"
         "\\x{0388}-\\x{038A}\\x{038C}\\x{038E}-\\x{03A1}\\x{03A3}-\\x{03F5}\\x{03F7}-\\x{0481}"
         "\\x{048A}-\\x{052F}\\x{0531}-\\x{0556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
         "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}"
         "\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
         "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}"
         "\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
         "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
         "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
         "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
         "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
         "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
         "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
         "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
         "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
         "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
         "\\x{1E900}-\\x{1E943}"
         "]+"),
    TEXT("\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+"),
    TEXT("\\s+$"),
    TEXT("[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"),
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
