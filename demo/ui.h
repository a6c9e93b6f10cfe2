/* The demo's interface, drawn in software each frame from a chat_view: the conversation, an input line,
 * buttons, and the side panel with device, speed, KV cache, per-op GPU time and the expert heatmap. */
#ifndef DEMO_UI_H
#define DEMO_UI_H

#include "canvas.h"
#include "chat.h"

/* Sizes in pixels and colours (0xAARRGGBB), shared by ui.c and ui_panel.c. */
#define TEXT_SIZE 17.0f
#define SMALL_SIZE 13.5f
#define TOP_BAR 44
#define INPUT_BAR 52
#define PAD 12

#define COL_BG 0xff1c1d22u
#define COL_PANEL 0xff25272eu
#define COL_TEXT 0xffe8e8eau
#define COL_DIM 0xff9aa0a8u
#define COL_ACCENT 0xff4fa3ffu
#define COL_USER 0xff2d3a52u
#define COL_MODEL 0xff2a2c33u
#define COL_BUTTON 0xff3a3d48u
#define COL_BAR_BG 0xff30333cu
#define COL_MLA 0xff5ccf8au
#define COL_MHA 0xffe0805au
#define COL_OP 0xff7aa7ffu
#define COL_TOKEN_A 0xff3b4d3bu
#define COL_TOKEN_B 0xff4d3b4fu
#define COL_HOVER 0xff6a5a20u
#define COL_ERROR 0xffff6b6bu

typedef enum ui_action { UI_NONE, UI_SEND, UI_STOP, UI_NEW } ui_action;

typedef struct ui_rect {
    int x, y, w, h;
} ui_rect;

typedef struct ui {
    fonts *fonts;
    char input[4096];
    size_t input_length;
    int show_tokens;
    double mouse_x, mouse_y;
    float scroll;          /* pixels scrolled up from the bottom of the conversation */
    float content_height;  /* of the conversation, from the last frame */
    float view_height;
    ui_rect stop_button, new_button, tokens_button;
} ui;

void ui_init(ui *u, fonts *f);
/* The side panel (ui_panel.c), drawn by ui_draw into area. */
void ui_panel(ui *u, const chat_view *view, canvas *c, ui_rect area);
void ui_draw(ui *u, const chat_view *view, canvas *c);

/* Input events; each returns what the application should do. */
void ui_char(ui *u, uint32_t codepoint);
ui_action ui_key(ui *u, int glfw_key);
ui_action ui_click(ui *u, double x, double y);
void ui_scroll(ui *u, double dy);

#endif
