/* The side panel: what the engine is doing, updated with every token. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

typedef struct panel {
    ui *u;
    canvas *c;
    int x, w; /* content column */
    int y;    /* top of the next row */
    int bottom;
} panel;

static void heading(panel *p, const char *text)
{
    p->y += 10;
    canvas_text(p->c, p->u->fonts, text, SMALL_SIZE, (float)p->x, p->y, COL_ACCENT);
    p->y += (int)fonts_line_height(p->u->fonts, SMALL_SIZE) + 4;
}

static void line(panel *p, const char *text, uint32_t color)
{
    canvas_clip(p->c, p->x, 0, p->w, p->c->height);
    canvas_text(p->c, p->u->fonts, text, SMALL_SIZE, (float)p->x, p->y, color);
    canvas_unclip(p->c);
    p->y += (int)fonts_line_height(p->u->fonts, SMALL_SIZE) + 2;
}

/* A labelled horizontal bar filled to fraction, with the value text on the right. */
static void bar(panel *p, const char *label, const char *value, double fraction, uint32_t color)
{
    fonts *f = p->u->fonts;
    int label_w = 92, value_w = (int)fonts_text_width(f, value, SMALL_SIZE) + 6;
    int h = (int)fonts_line_height(f, SMALL_SIZE);
    canvas_clip(p->c, p->x, p->y, label_w - 4, h + 2);
    canvas_text(p->c, f, label, SMALL_SIZE, (float)p->x, p->y, COL_DIM);
    canvas_unclip(p->c);
    int bx = p->x + label_w, bw = p->w - label_w - value_w;
    if (bw < 10)
        bw = 10;
    canvas_fill(p->c, bx, p->y + 2, bw, h - 3, COL_BAR_BG);
    fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
    int fill = (int)lround(fraction * bw);
    if (fraction > 0 && fill < 1)
        fill = 1;
    canvas_fill(p->c, bx, p->y + 2, fill, h - 3, color);
    canvas_text(p->c, f, value, SMALL_SIZE, (float)(bx + bw + 6), p->y, COL_TEXT);
    p->y += h + 3;
}

static void format_bytes(char *out, size_t size, double bytes)
{
    if (bytes >= 1024.0 * 1024 * 1024)
        snprintf(out, size, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    else if (bytes >= 1024.0 * 1024)
        snprintf(out, size, "%.1f MiB", bytes / (1024.0 * 1024));
    else
        snprintf(out, size, "%.1f KiB", bytes / 1024.0);
}

static void device_section(panel *p, const chat_view *v)
{
    char text[600];
    heading(p, "Device");
    line(p, v->device[0] ? v->device : "(loading)", COL_TEXT);
    const char *base = strrchr(v->model, '/');
    snprintf(text, sizeof text, "model: %s", base ? base + 1 : v->model);
    line(p, text, COL_DIM);
    heading(p, "Speed");
    snprintf(text, sizeof text, "prompt: %.1f tok/s (%u tokens)", v->prompt_tps, v->last_prompt_tokens);
    line(p, text, COL_TEXT);
    snprintf(text, sizeof text, "generation: %.1f tok/s (%u tokens)", v->gen_tps, v->last_gen_tokens);
    line(p, text, COL_TEXT);
}

/* The latent cache beside what an MHA cache would hold for the same tokens, both on the MHA full-context scale
 * so the ratio is visible at a glance. */
static void kv_section(panel *p, const chat_view *v)
{
    char value[64], text[128];
    heading(p, "KV cache");
    snprintf(value, sizeof value, "%u / %u", v->n_past, v->n_ctx);
    bar(p, "tokens", value, v->n_ctx ? (double)v->n_past / v->n_ctx : 0, COL_ACCENT);
    double mla = (double)v->n_past * v->kv_bytes_per_token, mha = (double)v->n_past * v->mha_kv_bytes_per_token;
    double scale = (double)v->n_ctx * v->mha_kv_bytes_per_token;
    format_bytes(value, sizeof value, mla);
    bar(p, "MLA (used)", value, scale > 0 ? mla / scale : 0, COL_MLA);
    format_bytes(value, sizeof value, mha);
    bar(p, "MHA would be", value, scale > 0 ? mha / scale : 0, COL_MHA);
    if (v->kv_bytes_per_token) {
        snprintf(text, sizeof text, "%llu vs %llu bytes per token: %.1fx smaller",
                 (unsigned long long)v->kv_bytes_per_token, (unsigned long long)v->mha_kv_bytes_per_token,
                 (double)v->mha_kv_bytes_per_token / (double)v->kv_bytes_per_token);
        line(p, text, COL_DIM);
    }
}

static void ops_section(panel *p, const chat_view *v)
{
    char text[96];
    snprintf(text, sizeof text, "GPU time per op, last step: %.3f ms", v->ops_total_ms);
    heading(p, text);
    if (v->n_ops == 0)
        line(p, "(no step timed yet)", COL_DIM);
    double longest = 0;
    for (uint32_t i = 0; i < v->n_ops; i++)
        longest = v->ops[i].ms > longest ? v->ops[i].ms : longest;
    int row_h = (int)fonts_line_height(p->u->fonts, SMALL_SIZE) + 3;
    /* Leave room for the heatmap below; ops that do not fit are summarised on one line. */
    int room = (p->bottom - p->y - 40 - (int)v->n_layer * 12 - 60) / row_h;
    uint32_t shown = room < 1 ? 1 : (uint32_t)room < v->n_ops ? (uint32_t)room : v->n_ops;
    for (uint32_t i = 0; i < shown && i < v->n_ops; i++) {
        char value[32];
        snprintf(value, sizeof value, "%.3f ms", v->ops[i].ms);
        bar(p, v->ops[i].name, value, longest > 0 ? v->ops[i].ms / longest : 0, COL_OP);
    }
    if (shown < v->n_ops) {
        snprintf(text, sizeof text, "... %u more ops", v->n_ops - shown);
        line(p, text, COL_DIM);
    }
}

static uint32_t heat_color(double t)
{
    /* Dark blue-grey to orange to pale yellow. */
    double r = t < 0.5 ? 0x30 + t * 2 * (0xe0 - 0x30) : 0xe0 + (t - 0.5) * 2 * (0xff - 0xe0);
    double g = t < 0.5 ? 0x33 + t * 2 * (0x70 - 0x33) : 0x70 + (t - 0.5) * 2 * (0xe8 - 0x70);
    double b = t < 0.5 ? 0x3c + t * 2 * (0x40 - 0x3c) : 0x40 + (t - 0.5) * 2 * (0x90 - 0x40);
    return 0xff000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

static void experts_section(panel *p, const chat_view *v)
{
    char text[96];
    snprintf(text, sizeof text, "Experts chosen, last %u tokens", v->heat_tokens);
    heading(p, text);
    if (v->n_expert == 0) {
        line(p, "(dense model)", COL_DIM);
        return;
    }
    uint32_t most = 1;
    for (uint32_t i = 0; i < v->n_layer * v->n_expert; i++)
        most = v->heat[i] > most ? v->heat[i] : most;
    int label_w = 34, cell_w = (p->w - label_w) / (int)v->n_expert;
    cell_w = cell_w > 28 ? 28 : cell_w < 2 ? 2 : cell_w;
    int cell_h = (p->bottom - p->y - 8) / (int)(v->n_layer ? v->n_layer : 1);
    cell_h = cell_h > 22 ? 22 : cell_h < 3 ? 3 : cell_h;
    for (uint32_t l = 0; l < v->n_layer; l++) {
        int y = p->y + (int)l * cell_h;
        uint32_t row = 0;
        for (uint32_t e = 0; e < v->n_expert; e++)
            row += v->heat[l * v->n_expert + e];
        snprintf(text, sizeof text, "L%u", l);
        if (cell_h >= 12)
            canvas_text(p->c, p->u->fonts, text, SMALL_SIZE * 0.85f, (float)p->x, y, COL_DIM);
        for (uint32_t e = 0; e < v->n_expert; e++) {
            /* Dense layers choose no experts: drawn flat so they read as "not MoE". */
            uint32_t color = row == 0 ? COL_BAR_BG : heat_color((double)v->heat[l * v->n_expert + e] / most);
            canvas_fill(p->c, p->x + label_w + (int)e * cell_w, y, cell_w - 1, cell_h - 1, color);
        }
    }
    p->y += (int)v->n_layer * cell_h + 4;
    snprintf(text, sizeof text, "rows: layers, columns: %u experts (%u per token)", v->n_expert, v->n_expert_used);
    line(p, text, COL_DIM);
}

void ui_panel(ui *u, const chat_view *v, canvas *c, ui_rect area)
{
    canvas_fill(c, area.x, area.y, area.w, area.h, COL_PANEL);
    canvas_fill(c, area.x, area.y, 1, area.h, COL_BUTTON);
    panel p = {.u = u, .c = c, .x = area.x + PAD + 4, .w = area.w - 2 * PAD - 4, .y = area.y + 4,
               .bottom = area.y + area.h - 24};
    canvas_clip(c, area.x, area.y, area.w, area.h);
    device_section(&p, v);
    kv_section(&p, v);
    ops_section(&p, v);
    experts_section(&p, v);
    canvas_unclip(c);
}
