/* Chat templates rendered without a Jinja engine. Each family is recognised by markers: parts of its Jinja text
 * in canonical form (tok_chat.h) that pin everything its rendering of system, user and assistant messages
 * depends on; each render_* function writes what that text writes, with the template's default for thinking
 * (no thinking switch is passed, as llama.cpp and transformers pass none unless asked). Tool calls, tool
 * results, images and reasoning_content fields are not part of mlavk_chat_message and not rendered. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_chat.h"
#include "tokenizer/tok_internal.h"
#include "util/status.h"

/* ---- Recognition ------------------------------------------------------------------------------------ */

#define MAX_MARKERS 12

typedef struct family_markers {
    mlavk_chat_template style;
    int variant;
    const char *all[MAX_MARKERS];  /* every one must be in the canonical text */
    const char *none[4];           /* none of these may be */
} family_markers;

/* Variants: which literal V3.1 writes for thinking off; how Kimi's and GigaChat's texts are laid out. */
enum { V31_CLOSE_ONLY = 0, V31_EMPTY_PAIR = 1 };

#define DS_USER "{{'<｜User｜>'+message['content']}}"
#define DS_SYSTEMS_JOINED "{%setns.system_prompt=ns.system_prompt+'\n\n'+message['content']%}"
#define V31_ASSISTANT(nothink)                                                                                  \
    "{%ifns.is_last_user%}{{'<｜Assistant｜>'}}{%ifmessage['prefix']isdefinedandmessage['prefix']andthinking%}" \
    "{{'<think>'}}{%else%}{{'" nothink "'}}{%endif%}{%endif%}{%setns.is_last_user=false%}"
#define V31_PROMPT(nothink)                                                                                     \
    "{%ifadd_generation_promptandns.is_last_userandnotns.is_tool%}{{'<｜Assistant｜>'}}{%ifnotthinking%}{{'"   \
    nothink "'}}{%else%}{{'<think>'}}{%endif%}{%endif%}"
#define V31_COMMON                                                                                              \
    "{%setthinking=false%}", "{{bos_token}}{{ns.system_prompt}}", DS_SYSTEMS_JOINED,                          \
        "{%setns.is_last_user=true%}" DS_USER,                                                                  \
        "{%if'</think>'incontent%}{%setcontent=content.split('</think>',1)[1]%}{%endif%}"                      \
        "{{content+'<｜end▁of▁sentence｜>'}}"
#define GLM_SPLIT                                                                                               \
    "{%if'</think>'incontent%}{%setreasoning_content=content.split('</think>')[0].rstrip('\n')"                \
    ".split('<think>')[-1].lstrip('\n')%}{%setcontent=content.split('</think>')[-1].lstrip('\n')%}{%endif%}"
#define GLM_COMMON                                                                                              \
    "[gMASK]<sop>", "{%ifm.role=='user'%}{%setns.last_user_index=loop.index0%}{%endif%}",                     \
        "{%macrovisible_text(content)%}{%ifcontentisstring%}{{content}}",                                      \
        "<|assistant|>{%setreasoning_content=''%}{%setcontent=visible_text(m.content)%}", GLM_SPLIT
#define KIMI_ROLES                                                                                              \
    "{%setrole_name=message.get('name')ormessage['role']%}{%ifmessage['role']=='user'%}<|im_user|>"           \
    "{{role_name}}<|im_middle|>{%elifmessage['role']=='assistant'%}<|im_assistant|>{{role_name}}<|im_middle|>" \
    "{%else%}<|im_system|>{{role_name}}<|im_middle|>{%endif%}"
#define KIMI_CONTENT "{%macrorender_content(msg)%}{%setc=msg.get('content')%}{%ifcisstring%}{{c}}"
#define KIMI_PROMPT "{%ifadd_generation_prompt%}<|im_assistant|>assistant<|im_middle|>{%endif%}"
#define KIMI_DEFAULT_IF "{%ifloop.firstandmessages[0]['role']!='system'%}"
#define KIMI_THINKING_DEFAULT_IF "{%ifmessages|length==0ormessages[0]['role']!='system'%}"
#define GIGACHAT_COMMON                                                                                         \
    "{%setadd_tokens=namespace(role_sep=\"<|role_sep|>\n\",message_sep=\"<|message_sep|>\n\n\"",              \
        "{{bos_token}}{{render_role_message({\"role\":\"developer system\",\"content\":DEVSYSTEM})}}",          \
        "{%ifmessagesandmessages[0]['role']=='system'%}{{render_role_message(messages[0])}}"                   \
        "{%setmessages=messages[1:]%}{%endif%}",                                                               \
        "{%macrorender_role_message(message,role=None)%}{%ifnotrole%}{%setrole=message[\"role\"]%}{%endif%}"   \
        "{%setmessage_content=message['content']or''%}",                                                       \
        "{%ifloop.lastandadd_generation_promptandmessage['role']!='assistant'%}{{'assistant'+add_tokens"       \
        ".role_sep}}{%endif%}{%endfor%}"
#define MISTRAL_ALTERNATE                                                                                       \
    "After the optional system message, conversation roles must alternate user and assistant roles except "   \
    "for tool calls and results."
#define MISTRAL_EMPTY_REPLY                                                                                     \
    "Assistant message must have a string or a list of chunks in content or a list of tool calls."
#define MISTRAL_ROLES "Only user, assistant and tool roles are supported, got "

static const family_markers families[] = {
    {MLAVK_CHAT_DEEPSEEK_V2, 0,
     {"{{bos_token}}{%formessageinmessages%}", "{%ifmessage['role']=='user'%}{{'User: '+message['content']+'\n\n'}}",
      "{%elifmessage['role']=='assistant'%}{{'Assistant: '+message['content']+eos_token}}",
      "{%elifmessage['role']=='system'%}{{message['content']+'\n\n'}}{%endif%}{%endfor%}",
      "{%ifadd_generation_prompt%}{{'Assistant:'}}{%endif%}"},
     {"<｜User｜>"}},
    {MLAVK_CHAT_DEEPSEEK_V3, 0,
     {"{{bos_token}}{{ns.system_prompt}}",
      "{%ifns.is_first_sp%}{%setns.system_prompt=ns.system_prompt+message['content']%}", DS_SYSTEMS_JOINED, DS_USER,
      "{{'<｜Assistant｜>'+message['content']+'<｜end▁of▁sentence｜>'}}", "{{'<｜Assistant｜>'}}{%endif%}"},
     {"think"}},
    {MLAVK_CHAT_DEEPSEEK_R1, 0,
     {"{%ifmessage['role']=='system'%}{%setns.system_prompt=message['content']%}{%endif%}",
      "{{bos_token}}{{ns.system_prompt}}", DS_USER,
      "{%if'</think>'incontent%}{%setcontent=content.split('</think>')[-1]%}{%endif%}"
      "{{'<｜Assistant｜>'+content+'<｜end▁of▁sentence｜>'}}",
      "{{'<｜Assistant｜><think>\n'}}{%endif%}"},
     {"thinking", "is_first_sp"}},
    {MLAVK_CHAT_DEEPSEEK_V3_1, V31_CLOSE_ONLY,
     {V31_COMMON, V31_ASSISTANT("</think>"), V31_PROMPT("</think>")}, {0}},
    {MLAVK_CHAT_DEEPSEEK_V3_1, V31_EMPTY_PAIR,
     {V31_COMMON, V31_ASSISTANT("<think></think>"), V31_PROMPT("<think></think>")}, {0}},
    {MLAVK_CHAT_DEEPSEEK_V3_2, 0,
     {"{%setthinking=false%}", "{%setthinking_start_token='<think>'%}", "{%setthinking_end_token='</think>'%}",
      "{%ifns.is_first_sp%}{%setns.system_prompt=ns.system_prompt+(message['content']or'')%}",
      "{%setns.system_prompt=ns.system_prompt+'\n\n'+(message['content']or'')%}",
      "{{bos_token}}{{ns.system_prompt}}",
      "{%ifmessage['role']=='user'ormessage['role']=='developer'%}{%setlast_user_idx.value=loop.index0%}",
      "{%ifmessage['role']=='user'%}{{'<｜User｜>'+(message['content']or'')}}{%setstate.pending_asst_marker=true%}",
      "{%ifstate.pending_asst_marker%}{{'<｜Assistant｜>'}}{%ifis_after_last_userandthinking%}",
      "{%else%}{{thinking_end_token}}{%endif%}{%elifstate.pending_tool_marker%}",
      "{%setstate.pending_tool_marker=false%}{%ifmessage['content']isdefinedandmessage['content']%}"
      "{{message['content']}}{%endif%}",
      "{%ifadd_generation_prompt%}{%ifstate.pending_asst_marker%}{{'<｜Assistant｜>'}}{%ifthinking%}"
      "{{thinking_start_token}}{%else%}{{thinking_start_token+thinking_end_token}}{%endif%}"},
     {0}},
    {MLAVK_CHAT_GLM_4_6, 0,
     {GLM_COMMON, "{%ifm.role=='user'%}<|user|>\n{{visible_text(m.content)}}{{'/nothink'if(enable_thinkingisdefined",
      "{%ifloop.index0>ns.last_user_indexandreasoning_content%}{{'\n<think>'+reasoning_content.strip()+'</think>'}}"
      "{%else%}{{'\n<think></think>'}}{%endif%}{%ifcontent.strip()%}{{'\n'+content.strip()}}{%endif%}",
      "{%elifm.role=='system'%}<|system|>\n{{visible_text(m.content)}}{%endif%}{%endfor%}",
      "{%ifadd_generation_prompt%}<|assistant|>{{'\n<think></think>'if(enable_thinkingisdefinedandnotenable_"
      "thinking)else''}}{%endif%}"},
     {0}},
    {MLAVK_CHAT_GLM_4_7, 0,
     {GLM_COMMON, "{%ifm.role=='user'%}<|user|>{{visible_text(m.content)}}{%elifm.role=='assistant'%}",
      "{%if((clear_thinkingisdefinedandnotclear_thinking)orloop.index0>ns.last_user_index)andreasoning_content%}"
      "{{'<think>'+reasoning_content.strip()+'</think>'}}{%else%}{{'</think>'}}{%endif%}"
      "{%ifcontent.strip()%}{{content.strip()}}{%endif%}",
      "{%elifm.role=='system'%}<|system|>{{visible_text(m.content)}}{%endif%}{%endfor%}",
      "{%ifadd_generation_prompt%}<|assistant|>{{'</think>'if(enable_thinkingisdefinedandnotenable_thinking)"
      "else'<think>'}}{%endif%}"},
     {0}},
    {MLAVK_CHAT_KIMI_K2, 0, /* Kimi-K2-Instruct: role names from the messages */
     {KIMI_DEFAULT_IF "<|im_system|>system<|im_middle|>", KIMI_ROLES, KIMI_CONTENT,
      "{%elifmessage['content']isnotnone%}{{render_content(message)}}{%endif%}<|im_end|>{%endfor%}", KIMI_PROMPT},
     {"<think>"}},
    {MLAVK_CHAT_KIMI_K2, 1, /* an earlier Kimi-K2 template: fixed role names */
     {KIMI_DEFAULT_IF "<|im_system|>system<|im_middle|>",
      "{%ifmessage['role']=='system'%}<|im_system|>system<|im_middle|>{%elifmessage['role']=='user'%}<|im_user|>"
      "user<|im_middle|>{%elifmessage['role']=='assistant'%}<|im_assistant|>assistant<|im_middle|>",
      "{%elifmessage['content']isstring%}{{message['content']}}",
      "{%endif%}<|im_end|>{%endfor%}" KIMI_PROMPT},
     {"<think>"}},
    {MLAVK_CHAT_KIMI_K2_THINKING, 0,
     {KIMI_THINKING_DEFAULT_IF "<|im_system|>system<|im_middle|>", "{%macroset_roles(message)%}" KIMI_ROLES,
      KIMI_CONTENT, "{%formessageinhist_msgs%}{{set_roles(message)}}{%ifmessage['role']=='assistant'%}"
      "<think></think>{{render_content(message)}}",
      "{%formessageinsuffix_msgs%}{{set_roles(message)}}{%ifmessage['role']=='assistant'%}"
      "{%setrc=message.get('reasoning_content','')%}<think>{{rc}}</think>{{render_content(message)}}",
      "{%elifmessage['content']isnotnone%}{{render_content(message)}}{%endif%}<|im_end|>{%endfor%}", KIMI_PROMPT},
     {0}},
    {MLAVK_CHAT_GIGACHAT3, 0, /* GigaChat3-10B-A1.8B */
     {GIGACHAT_COMMON, "{{role+add_tokens.role_sep+message_content+add_tokens.message_sep}}{%endmacro%}",
      "{%formessageinmessages%}{%ifmessage['role']=='tool'%}{{render_role_message(message,'function result')}}"
      "{%elifmessage['role']=='assistant'%}",
      "{{render_role_message({'role':'assistant','content':message.content})}}",
      "{%else%}{{render_role_message(message)}}{%endif%}"},
     {0}},
    {MLAVK_CHAT_GIGACHAT3, 1, /* GigaChat3.1: function calls inside the assistant's message */
     {GIGACHAT_COMMON, "{{role+add_tokens.role_sep+message_content}}{%ifmessage.tool_callsisdefinedandmessage."
      "tool_calls%}{{add_tokens.function_call+render_function_call(message.tool_calls[0])}}{%endif%}"
      "{{add_tokens.message_sep}}{%endmacro%}",
      "{%formessageinmessages%}{%ifmessage['role']=='tool'%}{{render_role_message(message,'function result')}}"
      "{%else%}{{render_role_message(message)}}{%endif%}"},
     {0}},
    {MLAVK_CHAT_MISTRAL_3, 0,
     {"{{bos_token}}{%ifmessages[0]['role']=='system'%}{{'[SYSTEM_PROMPT]'}}{%ifmessages[0]['content']isstring%}"
      "{{messages[0]['content']}}",
      "{{'[/SYSTEM_PROMPT]'}}{%setloop_messages=messages[1:]%}{%else%}{%setloop_messages=messages%}{%if"
      "default_system_message!=''%}{{'[SYSTEM_PROMPT]'+default_system_message+'[/SYSTEM_PROMPT]'}}{%endif%}"
      "{%endif%}",
      "{%formessageinloop_messages%}{%ifmessage.role=='user'or(message.role=='assistant'and(message.tool_calls"
      "isnotdefinedormessage.tool_callsisnoneormessage.tool_calls|length==0))%}{%if(message['role']=='user')!="
      "(ns.index%2==0)%}{{raise_exception('" MISTRAL_ALTERNATE "')}}{%endif%}{%setns.index=ns.index+1%}",
      "{%ifmessage['role']=='user'%}{%ifmessage['content']isstring%}{{'[INST]'+message['content']+'[/INST]'}}",
      "{%elifmessage['role']=='assistant'%}{%if(message['content']isnoneormessage['content']==''ormessage['"
      "content']|length==0)and(message['tool_calls']isnotdefinedormessage['tool_calls']isnoneormessage['tool_"
      "calls']|length==0)%}{{raise_exception('" MISTRAL_EMPTY_REPLY "')}}{%endif%}"
      "{%ifmessage['content']isstringandmessage['content']!=''%}{{message['content']}}",
      "{{eos_token}}{%elifmessage['role']=='tool'%}",
      "{%else%}{{raise_exception('" MISTRAL_ROLES "'+message['role']+'.')}}{%endif%}{%endfor%}"},
     {0}},
};

static const char *const template_names[MLAVK_CHAT_TEMPLATE_COUNT] = {
    [MLAVK_CHAT_DEEPSEEK_V3] = "deepseek-v3",       [MLAVK_CHAT_DEEPSEEK_V2] = "deepseek-v2",
    [MLAVK_CHAT_DEEPSEEK_R1] = "deepseek-r1",       [MLAVK_CHAT_DEEPSEEK_V3_1] = "deepseek-v3.1",
    [MLAVK_CHAT_DEEPSEEK_V3_2] = "deepseek-v3.2",   [MLAVK_CHAT_GLM_4_6] = "glm-4.6",
    [MLAVK_CHAT_GLM_4_7] = "glm-4.7",               [MLAVK_CHAT_KIMI_K2] = "kimi-k2",
    [MLAVK_CHAT_KIMI_K2_THINKING] = "kimi-k2-thinking", [MLAVK_CHAT_GIGACHAT3] = "gigachat3",
    [MLAVK_CHAT_MISTRAL_3] = "mistral-3",
};

const char *mlavk_chat_template_name(mlavk_chat_template style)
{
    return (unsigned)style < MLAVK_CHAT_TEMPLATE_COUNT ? template_names[style] : NULL;
}

/* ---- Texts a rendering takes from the template ------------------------------------------------------- */

/* The text between the tag `before` and the tag `after` (canonical forms), when exactly one text part lies
 * between them; the first such place. */
static char *text_between(const tok_jinja *j, const char *before, const char *after)
{
    for (size_t i = 0; i + 2 < j->count; i++) {
        const tok_jinja_part *p = j->parts;
        if (p[i].kind == TOK_JINJA_DATA || p[i + 1].kind != TOK_JINJA_DATA || p[i + 2].kind == TOK_JINJA_DATA)
            continue;
        if (p[i].length == strlen(before) && memcmp(j->text + p[i].offset, before, p[i].length) == 0 &&
            p[i + 2].length == strlen(after) && memcmp(j->text + p[i + 2].offset, after, p[i + 2].length) == 0)
            return tok_jinja_part_text(j, i + 1);
    }
    return NULL;
}

/* The string literal of {% set name = '...' %}. */
static char *set_literal(const tok_jinja *j, const char *name)
{
    for (size_t i = 0; i < j->count; i++) {
        const tok_jinja_part *p = &j->parts[i];
        if (p->kind != TOK_JINJA_BLOCK)
            continue;
        const char *r = p->raw, *end = p->raw + p->raw_length;
        while (r < end && (*r == ' ' || *r == '\t' || *r == '\n'))
            r++;
        if (end - r < 3 || memcmp(r, "set", 3) != 0)
            continue;
        r += 3;
        while (r < end && (*r == ' ' || *r == '\t' || *r == '\n'))
            r++;
        size_t n = strlen(name);
        if ((size_t)(end - r) < n || memcmp(r, name, n) != 0)
            continue;
        r += n;
        while (r < end && (*r == ' ' || *r == '\t' || *r == '\n'))
            r++;
        if (r == end || *r++ != '=')
            return NULL;
        tok_chat_text value = {0};
        size_t used;
        bool ok = tok_jinja_string_literal(r, (size_t)(end - r), &value, &used);
        for (r += ok ? used : 0; ok && r < end; r++)
            ok = *r == ' ' || *r == '\t' || *r == '\n';
        if (ok && !value.data)
            tok_chat_append(&value, "", 0);
        if (!ok || value.failed) {
            free(value.data);
            return NULL;
        }
        return value.data;
    }
    return NULL;
}

/* The text a family takes from its template: Kimi's default system message (as the template lays it out),
 * GigaChat's developer system text, Mistral's default system message. NULL when the family takes none or
 * the template lacks it. */
static char *family_text(const tok_jinja *j, mlavk_chat_template style)
{
    switch (style) {
    case MLAVK_CHAT_KIMI_K2: {
        char *text = text_between(j, KIMI_DEFAULT_IF, "{%endif%}");
        return text && strncmp(text, "<|im_system|>system<|im_middle|>", 32) == 0 ? text : (free(text), NULL);
    }
    case MLAVK_CHAT_KIMI_K2_THINKING: {
        char *text = text_between(j, KIMI_THINKING_DEFAULT_IF, "{%endif%}");
        return text && strncmp(text, "<|im_system|>system<|im_middle|>", 32) == 0 ? text : (free(text), NULL);
    }
    case MLAVK_CHAT_GIGACHAT3:
        return text_between(j, "{%setDEVSYSTEM%}", "{%endset%}");
    case MLAVK_CHAT_MISTRAL_3:
        return set_literal(j, "default_system_message");
    default:
        return NULL;
    }
}

static bool takes_text(mlavk_chat_template style)
{
    return style == MLAVK_CHAT_KIMI_K2 || style == MLAVK_CHAT_KIMI_K2_THINKING || style == MLAVK_CHAT_GIGACHAT3 ||
           style == MLAVK_CHAT_MISTRAL_3;
}

static const family_markers *recognise(const tok_jinja *j)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const family_markers *m = &families[f];
        bool match = true;
        for (int i = 0; match && i < MAX_MARKERS && m->all[i]; i++)
            match = strstr(j->text, m->all[i]) != NULL;
        for (int i = 0; match && i < 4 && m->none[i]; i++)
            match = strstr(j->text, m->none[i]) == NULL;
        if (match && takes_text(m->style)) {
            char *text = family_text(j, m->style);
            match = text != NULL;
            free(text);
        }
        if (match)
            return m;
    }
    return NULL;
}

bool tok_chat_recognise(const tok_jinja *j, mlavk_chat_template *style)
{
    const family_markers *m = recognise(j);
    if (m)
        *style = m->style;
    return m != NULL;
}

int mlavk_chat_template_recognise(const char *jinja, mlavk_chat_template *style)
{
    tok_jinja j;
    if (!jinja || tok_jinja_parse(jinja, &j) != MLAVK_OK)
        return 0;
    bool found = tok_chat_recognise(&j, style);
    tok_jinja_free(&j);
    return found;
}

/* ---- Rendering ----------------------------------------------------------------------------------------- */

typedef struct chat {
    tok_chat_text out;
    const tok_chat_format *f;
    const mlavk_chat_message *m;
    size_t n;
    bool prompt;        /* add_generation_prompt */
    int variant;
    const char *text;   /* from family_text */
} chat;

static bool is(const mlavk_chat_message *m, const char *role) { return strcmp(m->role, role) == 0; }

static void put(chat *c, const char *s) { tok_chat_append_str(&c->out, s); }
static void put_n(chat *c, const char *s, size_t n) { tok_chat_append(&c->out, s, n); }

/* Python's s.strip(). */
static void put_stripped(chat *c, const char *s, size_t n)
{
    size_t left = tok_py_lspace(s, n);
    put_n(c, s + left, n - left - tok_py_rspace(s + left, n - left));
}

static bool stripped_empty(const char *s, size_t n) { return tok_py_lspace(s, n) == n; }

static const char *find_last(const char *s, const char *needle)
{
    const char *last = NULL;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        last = p;
    return last;
}

/* The V3 family's system prompt: every system message joined by a blank line (R1: the last one alone). */
static void put_systems(chat *c, bool joined)
{
    const char *last = NULL;
    bool first = true;
    for (size_t i = 0; i < c->n; i++)
        if (is(&c->m[i], "system")) {
            if (joined) {
                if (!first)
                    put(c, "\n\n");
                put(c, c->m[i].content);
            }
            last = c->m[i].content;
            first = false;
        }
    if (!joined && last)
        put(c, last);
}

static void render_deepseek_v2(chat *c)
{
    put(c, c->f->bos);
    for (size_t i = 0; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user")) {
            put(c, "User: ");
            put(c, content);
            put(c, "\n\n");
        } else if (is(&c->m[i], "assistant")) {
            put(c, "Assistant: ");
            put(c, content);
            put(c, c->f->eos);
        } else {
            put(c, content);
            put(c, "\n\n");
        }
    }
    if (c->prompt)
        put(c, "Assistant:");
}

/* V3 and R1: R1 keeps only the last system message and cuts each reply to what follows its last </think>,
 * and its generation prompt opens the reasoning. */
static void render_deepseek_v3(chat *c, bool r1)
{
    put(c, c->f->bos);
    put_systems(c, !r1);
    for (size_t i = 0; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user")) {
            put(c, "<｜User｜>");
            put(c, content);
        } else if (is(&c->m[i], "assistant")) {
            const char *think = r1 ? find_last(content, "</think>") : NULL;
            put(c, "<｜Assistant｜>");
            put(c, think ? think + strlen("</think>") : content);
            put(c, "<｜end▁of▁sentence｜>");
        }
    }
    if (c->prompt)
        put(c, r1 ? "<｜Assistant｜><think>\n" : "<｜Assistant｜>");
}

/* V3.1 with thinking off: a reply that follows a user message opens with the no-thinking mark, and is cut to
 * what follows its first </think>; the generation prompt only follows a user message. */
static void render_deepseek_v3_1(chat *c)
{
    const char *nothink = c->variant == V31_EMPTY_PAIR ? "<think></think>" : "</think>";
    put(c, c->f->bos);
    put_systems(c, true);
    bool last_user = false;
    for (size_t i = 0; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user")) {
            last_user = true;
            put(c, "<｜User｜>");
            put(c, content);
        } else if (is(&c->m[i], "assistant")) {
            if (last_user) {
                put(c, "<｜Assistant｜>");
                put(c, nothink);
            }
            last_user = false;
            const char *think = strstr(content, "</think>");
            put(c, think ? think + strlen("</think>") : content);
            put(c, "<｜end▁of▁sentence｜>");
        }
    }
    if (c->prompt && last_user) {
        put(c, "<｜Assistant｜>");
        put(c, nothink);
    }
}

/* V3.2 (llama.cpp's template) with thinking off: a reply that follows a user message opens with </think>. */
static void render_deepseek_v3_2(chat *c)
{
    put(c, c->f->bos);
    put_systems(c, true);
    bool pending = false;
    for (size_t i = 0; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user")) {
            put(c, "<｜User｜>");
            put(c, content);
            pending = true;
        } else if (is(&c->m[i], "assistant")) {
            if (pending)
                put(c, "<｜Assistant｜></think>");
            pending = false;
            put(c, content);
            put(c, "<｜end▁of▁sentence｜>");
        }
    }
    if (c->prompt && pending)
        put(c, "<｜Assistant｜><think></think>");
}

/* GLM-4.6 and 4.7. A reply's reasoning (before </think>) is kept only after the last user message; the reply
 * itself is stripped. 4.6 puts a newline after each role tag and thinks by default without opening <think> in
 * the prompt; 4.7 opens it. */
static void render_glm(chat *c, bool glm47)
{
    const char *nl = glm47 ? "" : "\n";
    ptrdiff_t last_user = -1;
    for (size_t i = 0; i < c->n; i++)
        if (is(&c->m[i], "user"))
            last_user = (ptrdiff_t)i;
    put(c, "[gMASK]<sop>");
    for (size_t i = 0; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user") || is(&c->m[i], "system")) {
            put(c, is(&c->m[i], "user") ? "<|user|>" : "<|system|>");
            put(c, nl);
            put(c, content);
            continue;
        }
        put(c, "<|assistant|>");
        const char *reasoning = "", *reply = content;
        size_t reasoning_length = 0;
        const char *close = strstr(content, "</think>");
        if (close) {
            /* content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') */
            size_t head = (size_t)(close - content);
            while (head > 0 && content[head - 1] == '\n')
                head--;
            const char *open = content;
            for (const char *p = content; p + 7 <= content + head; p++)
                if (memcmp(p, "<think>", 7) == 0)
                    open = p + 7;
            reasoning = open;
            reasoning_length = (size_t)(content + head - open);
            while (reasoning_length > 0 && *reasoning == '\n') {
                reasoning++;
                reasoning_length--;
            }
            /* content.split('</think>')[-1].lstrip('\n') */
            reply = find_last(content, "</think>") + strlen("</think>");
            while (*reply == '\n')
                reply++;
        }
        if ((ptrdiff_t)i > last_user && reasoning_length > 0) {
            put(c, nl);
            put(c, "<think>");
            put_stripped(c, reasoning, reasoning_length);
            put(c, "</think>");
        } else {
            put(c, glm47 ? "</think>" : "\n<think></think>");
        }
        if (!stripped_empty(reply, strlen(reply))) {
            put(c, nl);
            put_stripped(c, reply, strlen(reply));
        }
    }
    if (c->prompt)
        put(c, glm47 ? "<|assistant|><think>" : "<|assistant|>");
}

/* Kimi-K2: the template's default system message when the conversation does not open with one; K2-Thinking
 * writes an empty <think></think> before each reply (its reasoning_content, never set here). */
static void render_kimi(chat *c, bool thinking)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *role = c->m[i].role;
        if (i == 0 && !is(&c->m[0], "system"))
            put(c, c->text);
        put(c, is(&c->m[i], "user") ? "<|im_user|>" : is(&c->m[i], "assistant") ? "<|im_assistant|>" : "<|im_system|>");
        put(c, role);
        put(c, "<|im_middle|>");
        if (thinking && is(&c->m[i], "assistant"))
            put(c, "<think></think>");
        put(c, c->m[i].content);
        put(c, "<|im_end|>");
    }
    if (c->n == 0 && thinking)
        put(c, c->text);
    if (c->prompt)
        put(c, "<|im_assistant|>assistant<|im_middle|>");
}

/* GigaChat3: the developer system text, the first message when it is a system one, then every message as
 * {role}<|role_sep|>\n{content}<|message_sep|>\n\n; the prompt follows a last message that is not a reply. */
static void render_gigachat(chat *c)
{
    put(c, c->f->bos);
    put(c, "developer system<|role_sep|>\n");
    put(c, c->text);
    put(c, "<|message_sep|>\n\n");
    for (size_t i = 0; i < c->n; i++) {
        put(c, c->m[i].role);
        put(c, "<|role_sep|>\n");
        put(c, c->m[i].content);
        put(c, "<|message_sep|>\n\n");
    }
    size_t first = c->n > 0 && is(&c->m[0], "system");
    if (c->prompt && c->n > first && !is(&c->m[c->n - 1], "assistant"))
        put(c, "assistant<|role_sep|>\n");
}

/* Mistral 3 (Ministral-3-14B-Reasoning-2512): user and assistant messages must alternate after the first
 * system one, replies may not be empty, and no other system message may follow; no generation prompt. */
static mlavk_status render_mistral(chat *c)
{
    if (c->n == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: the conversation has no messages");
    size_t first = is(&c->m[0], "system");
    size_t index = 0;
    for (size_t i = first; i < c->n; i++)
        if (!is(&c->m[i], "system")) {
            if (is(&c->m[i], "user") != (index % 2 == 0))
                return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: %s", MISTRAL_ALTERNATE);
            index++;
        }
    put(c, c->f->bos);
    if (first || c->text[0]) {
        put(c, "[SYSTEM_PROMPT]");
        put(c, first ? c->m[0].content : c->text);
        put(c, "[/SYSTEM_PROMPT]");
    }
    for (size_t i = first; i < c->n; i++) {
        const char *content = c->m[i].content;
        if (is(&c->m[i], "user")) {
            put(c, "[INST]");
            put(c, content);
            put(c, "[/INST]");
        } else if (is(&c->m[i], "assistant")) {
            if (!content[0])
                return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: %s", MISTRAL_EMPTY_REPLY);
            put(c, content);
            put(c, c->f->eos);
        } else {
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: %s%s.", MISTRAL_ROLES, c->m[i].role);
        }
    }
    return MLAVK_OK;
}

static mlavk_status check_messages(const mlavk_chat_message *messages, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const mlavk_chat_message *m = &messages[i];
        if (!m->role || !m->content)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: message %zu has no role or content", i);
        if (!is(m, "system") && !is(m, "user") && !is(m, "assistant"))
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "chat template: message %zu has role \"%.32s\" (only system, "
                              "user and assistant are supported)", i, m->role);
    }
    return MLAVK_OK;
}

static bool needs_bos(mlavk_chat_template s)
{
    return s <= MLAVK_CHAT_DEEPSEEK_V3_2 || s == MLAVK_CHAT_GIGACHAT3 || s == MLAVK_CHAT_MISTRAL_3;
}

static bool needs_eos(mlavk_chat_template s) { return s == MLAVK_CHAT_DEEPSEEK_V2 || s == MLAVK_CHAT_MISTRAL_3; }

/* The family's text and variant, from the template. A family that takes a text needs a template of its own
 * family; V3.1 writes its thinking-off mark as the template does (</think>, as DeepSeek's own, without one). */
static mlavk_status template_parts(const tok_chat_format *f, char **text, int *variant)
{
    *text = NULL;
    *variant = 0;
    if (!takes_text(f->style) && f->style != MLAVK_CHAT_DEEPSEEK_V3_1)
        return MLAVK_OK;
    const char *name = mlavk_chat_template_name(f->style);
    if (!f->template_text && takes_text(f->style))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: the %s chat template takes its texts from the model's "
                          "own template, and there is none", f->source ? f->source : "chat template", name);
    if (!f->template_text)
        return MLAVK_OK;
    tok_jinja j;
    MLAVK_TRY(tok_jinja_parse(f->template_text, &j));
    const family_markers *m = recognise(&j);
    if (m && m->style == f->style) {
        *variant = m->variant;
        *text = family_text(&j, f->style);
    }
    tok_jinja_free(&j);
    if ((!m || m->style != f->style) && takes_text(f->style))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: the %s chat template takes its texts from the model's "
                          "own template, which is not a %s template", f->source ? f->source : "chat template", name,
                          name);
    if (takes_text(f->style) && !*text)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory");
    return MLAVK_OK;
}

mlavk_status tok_chat_render_format(const tok_chat_format *f, const mlavk_chat_message *messages, size_t count,
                                    int add_generation_prompt, char **text, size_t *length)
{
    *text = NULL;
    *length = 0;
    const char *name = mlavk_chat_template_name(f->style);
    if (!name)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "chat template: unknown template %d", (int)f->style);
    if ((needs_bos(f->style) && !f->bos) || (needs_eos(f->style) && !f->eos))
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: the %s chat template needs BOS and EOS tokens, which "
                          "this tokenizer lacks (no tokenizer_config.json?)", f->source ? f->source : "tokenizer",
                          name);
    MLAVK_TRY(check_messages(messages, count));
    chat c = {.f = f, .m = messages, .n = count, .prompt = add_generation_prompt != 0};
    char *family = NULL;
    MLAVK_TRY(template_parts(f, &family, &c.variant));
    c.text = family;
    mlavk_status status = MLAVK_OK;
    switch (f->style) {
    case MLAVK_CHAT_DEEPSEEK_V2: render_deepseek_v2(&c); break;
    case MLAVK_CHAT_DEEPSEEK_V3: render_deepseek_v3(&c, false); break;
    case MLAVK_CHAT_DEEPSEEK_R1: render_deepseek_v3(&c, true); break;
    case MLAVK_CHAT_DEEPSEEK_V3_1: render_deepseek_v3_1(&c); break;
    case MLAVK_CHAT_DEEPSEEK_V3_2: render_deepseek_v3_2(&c); break;
    case MLAVK_CHAT_GLM_4_6: render_glm(&c, false); break;
    case MLAVK_CHAT_GLM_4_7: render_glm(&c, true); break;
    case MLAVK_CHAT_KIMI_K2: render_kimi(&c, false); break;
    case MLAVK_CHAT_KIMI_K2_THINKING: render_kimi(&c, true); break;
    case MLAVK_CHAT_GIGACHAT3: render_gigachat(&c); break;
    case MLAVK_CHAT_MISTRAL_3: status = render_mistral(&c); break;
    default: break;
    }
    free(family);
    if (status == MLAVK_OK && !c.out.data)
        tok_chat_append(&c.out, "", 0);
    if (status == MLAVK_OK && c.out.failed)
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory");
    if (status != MLAVK_OK) {
        free(c.out.data);
        return status;
    }
    *text = c.out.data;
    *length = c.out.length;
    return MLAVK_OK;
}

/* ---- The tokenizer's template ----------------------------------------------------------------------- */

mlavk_status tok_set_chat_template(mlavk_tokenizer *t, const char *text, size_t length, const char *source)
{
    const char *nul = memchr(text, '\0', length);
    if (nul)
        length = (size_t)(nul - text);
    char *copy = malloc(length + 1), *name = strdup(source ? source : "");
    if (!copy || !name) {
        free(copy);
        free(name);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", source ? source : "chat template");
    }
    memcpy(copy, text, length);
    copy[length] = '\0';
    free(t->chat_template);
    free(t->chat_template_source);
    t->chat_template = copy;
    t->chat_template_source = name;
    return MLAVK_OK;
}

const char *mlavk_tokenizer_chat_template(const mlavk_tokenizer *t) { return t->chat_template; }

mlavk_status mlavk_chat_template_of(const mlavk_tokenizer *t, mlavk_chat_template *style)
{
    if (!t->chat_template)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: the model has no chat template", t->source);
    if (!mlavk_chat_template_recognise(t->chat_template, style))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: chat template not recognised (mlavk renders DeepSeek "
                          "V2/V3/R1/V3.1/V3.2, GLM-4.6/4.7, Kimi-K2, GigaChat3, Mistral 3)",
                          t->chat_template_source);
    return MLAVK_OK;
}

/* A token's text, NUL-terminated (free()), or NULL when the id is -1. */
static char *token_text(const mlavk_tokenizer *t, int32_t id, bool *failed)
{
    if (id < 0)
        return NULL;
    size_t n = t->decoded_offset[id + 1] - t->decoded_offset[id];
    char *s = malloc(n + 1);
    if (!s) {
        *failed = true;
        return NULL;
    }
    memcpy(s, t->decoded + t->decoded_offset[id], n);
    s[n] = '\0';
    return s;
}

mlavk_status mlavk_chat_render(const mlavk_tokenizer *t, mlavk_chat_template style,
                               const mlavk_chat_message *messages, size_t count, int add_generation_prompt,
                               char **text, size_t *length)
{
    *text = NULL;
    *length = 0;
    bool failed = false;
    char *bos = token_text(t, t->bos_id, &failed), *eos = token_text(t, t->eos_id, &failed);
    tok_chat_format f = {style, t->chat_template, bos, eos,
                         t->chat_template_source ? t->chat_template_source : t->source};
    mlavk_status status = failed ? mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "chat template: out of memory")
                                 : tok_chat_render_format(&f, messages, count, add_generation_prompt, text, length);
    free(bos);
    free(eos);
    return status;
}

mlavk_status mlavk_chat_turn(mlavk_tokenizer *t, mlavk_chat_template style, const mlavk_chat_message *messages,
                             size_t count, const char *evaluated, const char *reply, int32_t stop_token,
                             char **rendering, int32_t **ids, size_t *n_ids, int *restart)
{
    *rendering = NULL;
    *ids = NULL;
    *n_ids = 0;
    *restart = 0;
    char *text;
    size_t length;
    MLAVK_TRY(mlavk_chat_render(t, style, messages, count, 1, &text, &length));
    size_t skip = 0;
    if (evaluated) {
        size_t base = strlen(evaluated), replied = reply ? strlen(reply) : 0;
        if (length >= base + replied && memcmp(text, evaluated, base) == 0 &&
            memcmp(text + base, reply ? reply : "", replied) == 0)
            skip = base + replied;
        else
            *restart = 1;
    }
    mlavk_status status = mlavk_tokenize(t, text + skip, length - skip, 0, ids, n_ids);
    if (status == MLAVK_OK && !*restart && evaluated && stop_token >= 0) {
        if (*n_ids > 0 && (*ids)[0] == stop_token) {
            memmove(*ids, *ids + 1, --*n_ids * sizeof **ids); /* already in the cache */
        } else {
            free(*ids);
            *ids = NULL;
            *restart = 1;
            status = mlavk_tokenize(t, text, length, 0, ids, n_ids);
        }
    }
    if (status != MLAVK_OK) {
        free(text);
        free(*ids);
        *ids = NULL;
        *n_ids = 0;
        return status;
    }
    *rendering = text;
    return MLAVK_OK;
}
