/* A software canvas: 0xAARRGGBB pixels, rectangles, and UTF-8 text drawn with stb_truetype from a primary
 * font with a per-glyph fallback font (for CJK). */
#ifndef DEMO_CANVAS_H
#define DEMO_CANVAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct canvas {
    uint32_t *pixels;
    int width, height;
    int clip_x0, clip_y0, clip_x1, clip_y1; /* drawing is limited to this rectangle */
} canvas;

typedef struct fonts fonts;

/* Loads the primary font (required) and the fallback (optional; NULL or a missing file is fine). */
fonts *fonts_load(const char *primary_path, const char *fallback_path);
void fonts_free(fonts *f);

/* Resizes the pixel buffer (contents undefined) and resets the clip. Returns 0 or -1 when out of memory. */
int canvas_resize(canvas *c, int width, int height);
void canvas_free(canvas *c);
void canvas_clip(canvas *c, int x, int y, int w, int h);
void canvas_unclip(canvas *c);
void canvas_fill(canvas *c, int x, int y, int w, int h, uint32_t color);
/* A one-pixel outline. */
void canvas_frame(canvas *c, int x, int y, int w, int h, uint32_t color);

/* Decodes one UTF-8 character at s (n bytes left); returns its length (>= 1; invalid bytes give U+FFFD). */
int utf8_decode(const char *s, size_t n, uint32_t *codepoint);

/* Horizontal advance of a codepoint at pixel height size, in pixels (fractional). */
float fonts_advance(fonts *f, uint32_t codepoint, float size);
/* Line height at size: ascent - descent + gap. */
float fonts_line_height(const fonts *f, float size);
/* Draws one glyph with its baseline at y; returns the advance. */
float canvas_glyph(canvas *c, fonts *f, uint32_t codepoint, float size, float x, int baseline, uint32_t color);
/* Draws a single line of UTF-8 text (no wrapping) with its top at y; returns the width drawn. */
float canvas_text(canvas *c, fonts *f, const char *text, float size, float x, int y, uint32_t color);
float fonts_text_width(fonts *f, const char *text, float size);
/* Ascent at size, to place baselines below a line's top. */
float fonts_ascent(const fonts *f, float size);

#endif
