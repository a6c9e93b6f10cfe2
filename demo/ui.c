/* Drawing and input handling of the chat window. Everything is laid out from scratch each frame: the
 * conversation is small, and recomputing avoids keeping layout state in sync with a changing view. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "ui.h"

void ui_init(ui *u, fonts *f)
{
    memset(u, 0, sizeof *u);
    u->fonts = f;
}

/* ---- Text flow --------------------------------------------------------------------------------------- */

/* Lays out (and with draw set, draws) wrapped text in a column; tracks which token is under the mouse. */
typedef struct flow {
    ui *u;
    canvas *c;
    int draw;
    float x0, width, size, line_h;
    float x, y;                 /* pen: x, top of the current line */
    const chat_message *tokens; /* non-NULL: shade token boundaries */
    int hovered;                /* index of the token under the mouse, or -1 */
} flow;

static int is_wide(uint32_t cp) { return cp >= 0x2e80 && cp <= 0xffdc; } /* CJK and kana wrap anywhere */

static int breaks_word(uint32_t cp) { return cp == ' ' || cp == '\n' || cp == '\t' || is_wide(cp); }

static float word_width(flow *f, const char *s, size_t n)
{
    float w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (i > 0 && breaks_word(cp))
            break;
        w += fonts_advance(f->u->fonts, cp, f->size);
        i += (size_t)len;
        if (is_wide(cp))
            break;
    }
    return w;
}

static void newline(flow *f)
{
    f->x = f->x0;
    f->y += f->line_h;
}

static void shade_token(flow *f, size_t byte, size_t *token, float advance)
{
    const chat_message *m = f->tokens;
    while (*token < m->n_tokens && m->token_end[*token] <= byte)
        (*token)++;
    if (*token >= m->n_tokens)
        return;
    ui *u = f->u;
    int over = u->mouse_x >= f->x && u->mouse_x < f->x + advance && u->mouse_y >= f->y &&
               u->mouse_y < f->y + f->line_h && u->mouse_y >= f->c->clip_y0 && u->mouse_y < f->c->clip_y1;
    if (over)
        f->hovered = (int)*token;
    if (f->draw) {
        uint32_t color = (int)*token == f->hovered ? COL_HOVER : (*token % 2 ? COL_TOKEN_B : COL_TOKEN_A);
        canvas_fill(f->c, (int)floorf(f->x), (int)f->y, (int)ceilf(advance) + 1, (int)f->line_h, color);
    }
}

static void flow_text(flow *f, const char *s, size_t n, uint32_t color)
{
    size_t token = 0;
    int at_word_start = 1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (cp == '\n') {
            newline(f);
            i += (size_t)len;
            at_word_start = 1;
            continue;
        }
        if (at_word_start && cp != ' ' && f->x > f->x0 && f->x + word_width(f, s + i, n - i) > f->x0 + f->width)
            newline(f);
        float advance = fonts_advance(f->u->fonts, cp, f->size);
        if (f->x > f->x0 && f->x + advance > f->x0 + f->width)
            newline(f); /* a word longer than the line breaks anywhere */
        if (f->tokens)
            shade_token(f, i, &token, advance);
        if (f->draw)
            canvas_glyph(f->c, f->u->fonts, cp, f->size, f->x, (int)(f->y + fonts_ascent(f->u->fonts, f->size)),
                         color);
        f->x += advance;
        at_word_start = breaks_word(cp);
        i += (size_t)len;
    }
}

/* ---- Conversation ------------------------------------------------------------------------------------ */

/* Lays out one message at y (its top); returns its height. Sets *hovered_token when the mouse is on one. */
static float message(ui *u, canvas *c, const chat_message *m, int draw, int x, float y, int width,
                     int *hovered_token)
{
    fonts *fs = u->fonts;
    flow f = {.u = u, .c = c, .draw = 0, .x0 = (float)(x + PAD), .width = (float)(width - 2 * PAD),
              .size = TEXT_SIZE, .line_h = ceilf(fonts_line_height(fs, TEXT_SIZE))};
    float label_h = ceilf(fonts_line_height(fs, SMALL_SIZE));
    f.x = f.x0;
    f.y = y + 8 + label_h;
    f.tokens = m->role == CHAT_MODEL && u->show_tokens ? m : NULL;
    f.hovered = -1;
    flow_text(&f, m->text, m->length, COL_TEXT); /* a measuring pass: the bubble goes under the text */
    float height = f.y + f.line_h + 8 - y;
    if (!draw)
        return height + 8;
    canvas_fill(c, x, (int)y, width, (int)height, m->role == CHAT_USER ? COL_USER : COL_MODEL);
    canvas_text(c, fs, m->role == CHAT_USER ? "You" : "Model", SMALL_SIZE, (float)(x + PAD), (int)y + 6,
                m->role == CHAT_USER ? COL_ACCENT : COL_MLA);
    int hovered = f.hovered;
    f.draw = 1;
    f.x = f.x0;
    f.y = y + 8 + label_h;
    f.hovered = hovered;
    flow_text(&f, m->text, m->length, COL_TEXT);
    if (hovered >= 0)
        *hovered_token = hovered;
    return height + 8;
}

static void tooltip(ui *u, canvas *c, const chat_message *m, int token)
{
    /* The token's text, quoted, with line breaks shown as a backslash-n so whitespace tokens are readable. */
    char text[160], piece[64];
    size_t start = token > 0 ? m->token_end[token - 1] : 0, k = 0;
    for (size_t i = start; i < m->token_end[token] && k + 3 < sizeof piece; i++) {
        if (m->text[i] == '\n') {
            piece[k++] = '\\';
            piece[k++] = 'n';
        } else {
            piece[k++] = m->text[i];
        }
    }
    piece[k] = '\0';
    snprintf(text, sizeof text, "token %d  \"%s\"", m->token_ids[token], piece);
    float w = fonts_text_width(u->fonts, text, SMALL_SIZE) + 12;
    int h = (int)fonts_line_height(u->fonts, SMALL_SIZE) + 8;
    int x = (int)u->mouse_x + 14, y = (int)u->mouse_y + 16;
    if (x + (int)w > c->width)
        x = c->width - (int)w;
    canvas_fill(c, x, y, (int)w, h, 0xff000000u);
    canvas_frame(c, x, y, (int)w, h, COL_ACCENT);
    canvas_text(c, u->fonts, text, SMALL_SIZE, (float)x + 6, y + 4, COL_TEXT);
}

static void conversation(ui *u, const chat_view *v, canvas *c, ui_rect area)
{
    float total = 0;
    for (size_t i = 0; i < v->n_messages; i++)
        total += message(u, c, &v->messages[i], 0, area.x + PAD, 0, area.w - 2 * PAD, NULL);
    total += PAD;
    /* Scrolled up: keep the same text in view while the reply grows below it. */
    if (u->scroll > 0 && total > u->content_height)
        u->scroll += total - u->content_height;
    u->content_height = total;
    u->view_height = (float)area.h;
    float max_scroll = total > area.h ? total - (float)area.h : 0;
    u->scroll = u->scroll < 0 ? 0 : u->scroll > max_scroll ? max_scroll : u->scroll;
    float y = (float)(area.y + area.h) - total + u->scroll;
    if (total < area.h)
        y = (float)area.y + PAD;
    canvas_clip(c, area.x, area.y, area.w, area.h);
    int hovered = -1;
    const chat_message *hovered_message = NULL;
    for (size_t i = 0; i < v->n_messages; i++) {
        const chat_message *m = &v->messages[i];
        int token = -1;
        float h = message(u, c, m, 1, area.x + PAD, y, area.w - 2 * PAD, &token);
        if (token >= 0) {
            hovered = token;
            hovered_message = m;
        }
        y += h;
    }
    if (v->n_messages == 0) {
        char text[64];
        snprintf(text, sizeof text, "Loading the model... %.0f%%", v->load_progress * 100);
        canvas_text(c, u->fonts, v->state == CHAT_LOADING ? text : "Say something to the model.", TEXT_SIZE,
                    (float)(area.x + 2 * PAD), area.y + 2 * PAD, COL_DIM);
    }
    canvas_unclip(c);
    if (hovered_message && u->show_tokens)
        tooltip(u, c, hovered_message, hovered);
}

/* ---- Bars ---------------------------------------------------------------------------------------------- */

static void button(ui *u, canvas *c, ui_rect *r, int x, int y, const char *label, int active)
{
    float w = fonts_text_width(u->fonts, label, SMALL_SIZE) + 24;
    *r = (ui_rect){x, y, (int)w, 28};
    canvas_fill(c, r->x, r->y, r->w, r->h, active ? COL_ACCENT : COL_BUTTON);
    canvas_text(c, u->fonts, label, SMALL_SIZE, (float)x + 12, y + 6, active ? 0xff101010 : COL_TEXT);
}

static const char *state_text(const chat_view *v)
{
    switch (v->state) {
    case CHAT_LOADING: return "loading";
    case CHAT_IDLE: return "ready";
    case CHAT_PROMPT: return "reading the prompt";
    case CHAT_GENERATING: return "generating";
    case CHAT_FAILED: return "failed";
    }
    return "";
}

static void top_bar(ui *u, const chat_view *v, canvas *c, int width)
{
    canvas_fill(c, 0, 0, width, TOP_BAR, COL_PANEL);
    float x = PAD + canvas_text(c, u->fonts, "mlavk-chat", TEXT_SIZE, PAD, 11, COL_TEXT) + 16;
    int busy = v->state == CHAT_PROMPT || v->state == CHAT_GENERATING;
    button(u, c, &u->stop_button, (int)x, 8, "Stop", busy);
    button(u, c, &u->new_button, u->stop_button.x + u->stop_button.w + 8, 8, "New chat", 0);
    button(u, c, &u->tokens_button, u->new_button.x + u->new_button.w + 8, 8,
           u->show_tokens ? "Tokens: on" : "Tokens: off", u->show_tokens);
    char status[320];
    snprintf(status, sizeof status, "%s", v->error[0] ? v->error : state_text(v));
    float sx = (float)(u->tokens_button.x + u->tokens_button.w + 16);
    canvas_clip(c, (int)sx, 0, width - (int)sx - PAD, TOP_BAR);
    canvas_text(c, u->fonts, status, SMALL_SIZE, sx, 14, v->error[0] ? COL_ERROR : COL_DIM);
    canvas_unclip(c);
}

static void input_bar(ui *u, const chat_view *v, canvas *c, ui_rect r)
{
    canvas_fill(c, r.x, r.y, r.w, r.h, COL_PANEL);
    int bx = r.x + PAD, by = r.y + 9, bw = r.w - 2 * PAD, bh = r.h - 18;
    canvas_fill(c, bx, by, bw, bh, COL_BG);
    canvas_frame(c, bx, by, bw, bh, COL_BUTTON);
    const char *shown = u->input;
    /* Long input: show its end, where the cursor is. */
    while (*shown && fonts_text_width(u->fonts, shown, TEXT_SIZE) > bw - 24) {
        shown++;
        while ((*shown & 0xc0) == 0x80)
            shown++;
    }
    canvas_clip(c, bx, by, bw, bh);
    int ty = by + (bh - (int)fonts_line_height(u->fonts, TEXT_SIZE)) / 2;
    if (u->input_length == 0)
        canvas_text(c, u->fonts, v->state == CHAT_IDLE ? "Type a message and press Enter" : "", TEXT_SIZE,
                    (float)bx + 10, ty, COL_DIM);
    float w = canvas_text(c, u->fonts, shown, TEXT_SIZE, (float)bx + 10, ty, COL_TEXT);
    canvas_fill(c, bx + 10 + (int)w + 1, by + 7, 2, bh - 14, COL_ACCENT);
    canvas_unclip(c);
}

void ui_draw(ui *u, const chat_view *v, canvas *c)
{
    int panel_w = c->width / 3;
    panel_w = panel_w < 300 ? 300 : panel_w > 420 ? 420 : panel_w;
    if (panel_w > c->width / 2)
        panel_w = c->width / 2;
    int chat_w = c->width - panel_w;
    canvas_fill(c, 0, 0, c->width, c->height, COL_BG);
    top_bar(u, v, c, chat_w);
    ui_rect conv = {0, TOP_BAR, chat_w, c->height - TOP_BAR - INPUT_BAR};
    conversation(u, v, c, conv);
    input_bar(u, v, c, (ui_rect){0, c->height - INPUT_BAR, chat_w, INPUT_BAR});
    ui_panel(u, v, c, (ui_rect){chat_w, 0, panel_w, c->height});
}

/* ---- Input ------------------------------------------------------------------------------------------- */

void ui_char(ui *u, uint32_t cp)
{
    char bytes[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cp < 0x80) {
        bytes[0] = (char)cp;
    } else {
        static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
        for (size_t i = n - 1; i > 0; i--, cp >>= 6)
            bytes[i] = (char)(0x80 | (cp & 0x3f));
        bytes[0] = (char)(lead[n] | cp);
    }
    if (u->input_length + n < sizeof u->input) {
        memcpy(u->input + u->input_length, bytes, n);
        u->input_length += n;
        u->input[u->input_length] = '\0';
    }
}

ui_action ui_key(ui *u, int key)
{
    if (key == GLFW_KEY_BACKSPACE && u->input_length > 0) {
        do
            u->input_length--;
        while (u->input_length > 0 && (u->input[u->input_length] & 0xc0) == 0x80);
        u->input[u->input_length] = '\0';
    }
    if ((key == GLFW_KEY_ENTER || key == GLFW_KEY_KP_ENTER) && u->input_length > 0)
        return UI_SEND;
    if (key == GLFW_KEY_ESCAPE)
        return UI_STOP;
    return UI_NONE;
}

static int inside(const ui_rect *r, double x, double y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

ui_action ui_click(ui *u, double x, double y)
{
    if (inside(&u->stop_button, x, y))
        return UI_STOP;
    if (inside(&u->new_button, x, y)) {
        u->scroll = 0;
        return UI_NEW;
    }
    if (inside(&u->tokens_button, x, y))
        u->show_tokens = !u->show_tokens;
    return UI_NONE;
}

void ui_scroll(ui *u, double dy) { u->scroll += (float)(dy * 3 * TEXT_SIZE); }
