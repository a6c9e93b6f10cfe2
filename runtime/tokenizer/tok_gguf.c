/* Loader for the tokenizer arrays of a GGUF file (read by runtime/formats, handed over as tok_gguf_vocab),
 * and the pre-tokenizers GGUF files name only by tokenizer.ggml.pre, written to split text exactly as llama.cpp
 * does for each name (checked id for id against llama.cpp by tests/test_tokenizer_families.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "util/status.h"

#define TEXT(s) {s, sizeof s - 1}

/* llama.cpp splits text with its own Unicode tables, not with a regex library's: \s is the White_Space set below
 * (U+0085 included, U+180E not), and \p{L}, \p{N}, \p{P}, \p{S}, \p{M} are the general categories of Unicode 15.1
 * (its src/unicode-data.cpp). PCRE2 10.42 knows Unicode 14, so the characters that 15.0 and 15.1 added to each
 * category are listed after the property; later PCRE2 versions know them already. Every pattern below uses these
 * macros instead of \s, \S and bare \p{..}. */
#define WS "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
#define SPACE "[" WS "]"
#define NOT_SPACE "[^" WS "]"
#define L_                                                                                                    \
    "\\p{L}\\x{1123F}-\\x{11240}\\x{11F02}\\x{11F04}-\\x{11F10}\\x{11F12}-\\x{11F33}\\x{1342F}\\x{13441}-"      \
    "\\x{13446}\\x{1B132}\\x{1B155}\\x{1DF25}-\\x{1DF2A}\\x{1E030}-\\x{1E06D}\\x{1E4D0}-\\x{1E4EB}\\x{2B739}"     \
    "\\x{2EBF0}-\\x{2EE5D}\\x{31350}-\\x{323AF}"
#define M_                                                                                                    \
    "\\p{M}\\x{0CF3}\\x{0ECE}\\x{10EFD}-\\x{10EFF}\\x{11241}\\x{11F00}-\\x{11F01}\\x{11F03}\\x{11F34}-"          \
    "\\x{11F3A}\\x{11F3E}-\\x{11F42}\\x{13440}\\x{13447}-\\x{13455}\\x{1E08F}\\x{1E4EC}-\\x{1E4EF}"
#define N_ "\\p{N}\\x{11F50}-\\x{11F59}\\x{1D2C0}-\\x{1D2D3}\\x{1E4F0}-\\x{1E4F9}"
#define P_ "\\p{P}\\x{11B00}-\\x{11B09}\\x{11F43}-\\x{11F4F}"
#define S_                                                                                                    \
    "\\p{S}\\x{2FFC}-\\x{2FFF}\\x{31EF}\\x{1F6DC}\\x{1F774}-\\x{1F776}\\x{1F77B}-\\x{1F77F}\\x{1F7D9}"           \
    "\\x{1FA75}-\\x{1FA77}\\x{1FA87}-\\x{1FA88}\\x{1FAAD}-\\x{1FAAF}\\x{1FABB}-\\x{1FABD}\\x{1FABF}"             \
    "\\x{1FACE}-\\x{1FACF}\\x{1FADA}-\\x{1FADB}\\x{1FAE8}\\x{1FAF7}-\\x{1FAF8}"
#define CONTRACTION "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
/* The tails shared by most families: punctuation runs, newlines, trailing and other whitespace. */
#define SPACES "|" SPACE "*[\\r\\n]+|" SPACE "+(?!" NOT_SPACE ")|" SPACE "+"
/* GPT-2's pattern as llama.cpp runs it (unicode_regex_split_custom_gpt2): lower-case contractions only, and a
 * whitespace run that the pattern leaves unmatched is one piece. */
#define GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?[" L_ "]+| ?[" N_ "]+| ?[^" WS L_ N_ "]+|" SPACE "+(?!" NOT_SPACE ")|" SPACE "+"
/* GPT-4o's upper-then-lower letter runs as llama.cpp rewrites them for std::regex: an "upper" letter is any letter
 * but a-z, a "lower" one any letter but A-Z (so every non-ASCII letter is both, and marks are neither). */
#define UPPER "(?:(?=[" L_ "])[^a-z])"
#define LOWER "(?:(?=[" L_ "])[^A-Z])"

/* DeepSeek-V3's tokenizer.json pre_tokenizer, step by step (for valid text llama.cpp and HF split it alike). */
static const tok_text deepseek_v3[] = {
    TEXT("[" N_ "]{1,3}"),
    TEXT("[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+"),
    TEXT("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n" L_ P_ S_ "]?[" L_ M_ "]+| ?[" P_ S_
         "]+[\\r\\n]*" SPACES),
};

/* DeepSeek-LLM / V2's: newlines, letters (the cased-letter ranges of Latin, Greek, Cyrillic and others),
 * ASCII and full-width punctuation, trailing whitespace, CJK and Hangul, digits. Written as \x{...} escapes
 * because several endpoints (U+1FD3, U+2126, U+212A...) are characters that Unicode normalization would
 * silently replace if they were written literally. llama.cpp matches the patterns without \p{..} on the text
 * with every non-ASCII space turned into U+000B, so those spaces never fall in a listed range: U+3000 is left
 * out of the punctuation and the spaces out of U+0800-U+4E00. "$" is the end of the piece (\z). */
static const tok_text deepseek_llm[] = {
    TEXT("[\\r\\n]"),
    TEXT(SPACE "?["
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
    TEXT(SPACE "?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3001}-\\x{3002}]+"),
    TEXT(SPACE "+\\z"),
    TEXT("[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}"
         "\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"),
    TEXT("[" N_ "]+"),
};

/* Youtu-LLM's. llama.cpp reads \p{Lu}, \p{Ll}, \p{Lt}, \p{Lm} and \p{Lo} all as \p{L}, so the two cased-word
 * alternatives of the original ([Lu Lt Lm Lo M]*[Ll Lm Lo M]+ and [Lu Lt Lm Lo M]+[Ll Lm Lo M]*) both become one
 * run of letters and marks: a camelCase word stays whole. */
static const tok_text youtu[] = {
    TEXT("[\\x{AC00}-\\x{D7A3}\\x{3131}-\\x{318E}]+"
         "|[\\x{FF01}\\x{2026}\\x{201C}\\x{201D}\\x{2018}\\x{2019}\\x{2014}\\x{FF1A}\\x{FF1B}\\x{FF0C}"
         "\\x{3001}-\\x{303F}\\x{FE30}-\\x{FE4F}]+"
         "|[\\x{3105}-\\x{312F}]+|[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+"),
    TEXT("[^\\r\\n" L_ N_ "]?[" L_ M_ "]+" CONTRACTION "?|[" N_ "]| ?[^" WS L_ N_ "]+[\\r\\n/]*" SPACES),
};

/* Kimi K2's tiktoken pattern as llama.cpp's unicode_regex_split_custom_kimi_k2 runs it: runs of Han characters
 * (its unicode_cpt_is_han ranges), then words of other letters (marks are not letters here) with an optional
 * contraction in either case, up to three digits, punctuation runs. */
#define HAN                                                                                                   \
    "\\x{4E00}-\\x{9FFF}\\x{3400}-\\x{4DBF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2B73F}\\x{2B740}-\\x{2B81F}"        \
    "\\x{2B820}-\\x{2CEAF}\\x{2CEB0}-\\x{2EBEF}\\x{F900}-\\x{FAFF}\\x{2F800}-\\x{2FA1F}"
static const tok_text kimi_k2[] = {
    TEXT("[" HAN "]+|[^\\r\\n" L_ N_ "]?(?:(?![" HAN "])[" L_ "])+" CONTRACTION "?|[" N_ "]{1,3}| ?[^" WS L_ N_
         "]+[\\r\\n]*" SPACES),
};

/* Mistral's tekken (llama.cpp's rewrite of the original with UPPER/LOWER, marks left out of words; no
 * contractions). */
static const tok_text tekken[] = {
    TEXT("[^\\r\\n" L_ N_ "]?" UPPER "*" LOWER "+|[^\\r\\n" L_ N_ "]?" UPPER "+" LOWER "*|[" N_ "]| ?[^" WS L_ N_
         "]+[\\r\\n/]*" SPACES),
};

/* Llama 3's (llama.cpp's LLAMA3 pre-type: "llama-bpe" and its other names; GLM-4's "chatglm4" too), run by
 * unicode_regex_split_custom_llama3. */
#define LLAMA3_QWEN2(digits)                                                                                  \
    CONTRACTION "|[^\\r\\n" L_ N_ "]?[" L_ "]+|[" N_ "]" digits "| ?[^" WS L_ N_ "]+[\\r\\n]*" SPACES
static const tok_text llama3[] = {TEXT(LLAMA3_QWEN2("{1,3}"))};

/* Qwen2's: Llama 3's with single digits (unicode_regex_split_custom_qwen2). */
static const tok_text qwen2[] = {TEXT(LLAMA3_QWEN2(""))};

/* GPT-4o's (llama.cpp's "gpt-4o" family, which kanana2 names). */
static const tok_text gpt4o[] = {
    TEXT("[^\\r\\n" L_ N_ "]?" UPPER "*" LOWER "+" CONTRACTION "?|[^\\r\\n" L_ N_ "]?" UPPER "+" LOWER "*" CONTRACTION
         "?|[" N_ "]{1,3}| ?[^" WS L_ N_ "]+[\\r\\n/]*" SPACES),
};

/* GPT-2's (llama.cpp's "gpt-2" family, which gigachat names). */
static const tok_text gpt2[] = {TEXT(GPT2)};

/* llama.cpp's default for byte-level BPE: punctuation runs, GPT-2's pattern, digit runs, then three ASCII digits. */
static const tok_text default_regexes[] = {
    TEXT("[" P_ "\\$\\+<=>\\^~\\|]+"),
    TEXT(GPT2),
    TEXT("[" N_ "]+"),
    TEXT("[0-9][0-9][0-9]"),
};

/* add_bos: what a file without tokenizer.ggml.add_bos_token gets: 1 or 0 where llama.cpp sets it for the name,
 * -1 for "when there is a BOS token" (HF's default for the DeepSeek families). */
#define FAMILY(name, regexes, ignore_merges, add_bos)                                                       \
    {name, sizeof regexes / sizeof regexes[0], regexes, ignore_merges, add_bos}
static const tok_pre_family families[] = {
    FAMILY("deepseek-llm", deepseek_llm, false, -1),
    FAMILY("deepseek-v3", deepseek_v3, false, -1),
    FAMILY("youtu", youtu, true, -1),
    FAMILY("glm4", llama3, false, -1),
    FAMILY("kimi-k2", kimi_k2, false, -1),
    FAMILY("tekken", tekken, true, -1),
    FAMILY("gigachat", gpt2, false, -1),
    FAMILY("kanana2", gpt4o, false, -1),
    FAMILY("llama-bpe", llama3, true, 1),
    FAMILY("llama3", llama3, true, 1),
    FAMILY("llama-v3", llama3, true, 1),
    FAMILY("qwen2", qwen2, false, 0),
    FAMILY("default", default_regexes, false, -1),
};

const tok_pre_family *tok_pre_families(uint32_t *count)
{
    *count = sizeof families / sizeof families[0];
    return families;
}

const tok_pre_family *tok_pre_family_find(const char *pre)
{
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strcmp(pre, families[i].name) == 0)
            return &families[i];
    return NULL;
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

/* One line naming the file, the name (control characters shown as '?') and the names known. */
static mlavk_status unknown_pre(const tok_gguf_vocab *g)
{
    char name[33] = "", known[256] = "";
    for (size_t i = 0; g->pre && g->pre[i] && i < sizeof name - 1; i++)
        name[i] = (uint8_t)g->pre[i] < 0x20 || g->pre[i] == 0x7F ? '?' : g->pre[i];
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", families[i].name);
    }
    if (!name[0])
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tokenizer.ggml.pre is missing or empty (supported: %s)",
                          g->source, known);
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tokenizer.ggml.pre \"%s\" is not supported (%s)", g->source, name,
                      known);
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
    const tok_pre_family *family = g->pre ? tok_pre_family_find(g->pre) : NULL;
    if (!family)
        return unknown_pre(g);
    bool family_add_bos = family->add_bos < 0 ? g->bos_id >= 0 : family->add_bos > 0;
    tok_vocab_desc desc = {.source = g->source, .token_count = (uint32_t)g->token_count,
                           .merge_count = (uint32_t)g->merge_count, .bos_id = g->bos_id, .eos_id = g->eos_id,
                           .add_bos = g->add_bos < 0 ? family_add_bos : g->add_bos > 0};
    desc.split_regexes = family->split_regexes;
    desc.split_count = family->split_count;
    desc.ignore_merges = family->ignore_merges;
    desc.lax_utf8 = true;
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
