/* Software drawing: rectangles and anti-aliased text from TrueType fonts, with a glyph bitmap cache. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_truetype.h>

#include "canvas.h"

#define CACHE_SLOTS 4096 /* a power of two; a full cache is simply emptied (glyphs re-render fast) */
#define FONT_COUNT 2

typedef struct glyph {
    uint32_t codepoint;
    uint32_t size_key; /* pixel height x 4, so sizes like 13.5 stay apart */
    unsigned char *bitmap;
    int w, h, xoff, yoff;
    float advance;
    int used;
} glyph;

struct fonts {
    unsigned char *data[FONT_COUNT];
    stbtt_fontinfo info[FONT_COUNT];
    int count;
    glyph cache[CACHE_SLOTS];
    uint32_t cached;
};

static unsigned char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        data = size > 0 ? malloc((size_t)size) : NULL;
        if (data && (fseek(f, 0, SEEK_SET) != 0 || fread(data, 1, (size_t)size, f) != (size_t)size)) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

static int add_font(fonts *f, const char *path)
{
    unsigned char *data = read_file(path);
    if (!data || !stbtt_InitFont(&f->info[f->count], data, stbtt_GetFontOffsetForIndex(data, 0))) {
        free(data);
        return -1;
    }
    f->data[f->count++] = data;
    return 0;
}

fonts *fonts_load(const char *primary_path, const char *fallback_path)
{
    fonts *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (add_font(f, primary_path) != 0) {
        fprintf(stderr, "mlavk-chat: cannot load the font %s\n", primary_path);
        free(f);
        return NULL;
    }
    if (fallback_path && add_font(f, fallback_path) != 0)
        fprintf(stderr, "mlavk-chat: no fallback font %s (CJK text shows as boxes)\n", fallback_path);
    return f;
}

static void cache_clear(fonts *f)
{
    for (uint32_t i = 0; i < CACHE_SLOTS; i++) {
        free(f->cache[i].bitmap);
        f->cache[i] = (glyph){0};
    }
    f->cached = 0;
}

void fonts_free(fonts *f)
{
    if (!f)
        return;
    cache_clear(f);
    for (int i = 0; i < f->count; i++)
        free(f->data[i]);
    free(f);
}

/* The first font that has the codepoint; the primary one (drawing its missing-glyph box) if none has. */
static int font_for(const fonts *f, uint32_t codepoint, int *glyph_index)
{
    for (int i = 0; i < f->count; i++) {
        *glyph_index = stbtt_FindGlyphIndex(&f->info[i], (int)codepoint);
        if (*glyph_index)
            return i;
    }
    *glyph_index = 0;
    return 0;
}

static void render_glyph(fonts *f, glyph *g, uint32_t codepoint, float size)
{
    int index;
    int font = font_for(f, codepoint, &index);
    const stbtt_fontinfo *info = &f->info[font];
    /* Sizes are matched by ascent - descent across fonts so the fallback's glyphs sit on the same line. */
    float scale = stbtt_ScaleForPixelHeight(info, size);
    int advance, bearing;
    stbtt_GetGlyphHMetrics(info, index, &advance, &bearing);
    g->advance = (float)advance * scale;
    int x0, y0, x1, y1;
    stbtt_GetGlyphBitmapBox(info, index, scale, scale, &x0, &y0, &x1, &y1);
    g->w = x1 - x0;
    g->h = y1 - y0;
    g->xoff = x0;
    g->yoff = y0;
    g->bitmap = g->w > 0 && g->h > 0 ? malloc((size_t)g->w * g->h) : NULL;
    if (g->bitmap)
        stbtt_MakeGlyphBitmap(info, g->bitmap, g->w, g->h, g->w, scale, scale, index);
}

static glyph *lookup(fonts *f, uint32_t codepoint, float size)
{
    uint32_t key = (uint32_t)lroundf(size * 4.0f);
    uint32_t slot = (codepoint * 2654435761u ^ key * 40503u) & (CACHE_SLOTS - 1);
    for (;;) {
        glyph *g = &f->cache[slot];
        if (!g->used)
            break;
        if (g->codepoint == codepoint && g->size_key == key)
            return g;
        slot = (slot + 1) & (CACHE_SLOTS - 1);
    }
    if (f->cached >= CACHE_SLOTS / 2) {
        cache_clear(f);
        return lookup(f, codepoint, size);
    }
    glyph *g = &f->cache[slot];
    *g = (glyph){.codepoint = codepoint, .size_key = key, .used = 1};
    render_glyph(f, g, codepoint, size);
    f->cached++;
    return g;
}

float fonts_advance(fonts *f, uint32_t codepoint, float size) { return lookup(f, codepoint, size)->advance; }

float fonts_ascent(const fonts *f, float size)
{
    int ascent, descent, gap;
    stbtt_GetFontVMetrics(&f->info[0], &ascent, &descent, &gap);
    return (float)ascent * stbtt_ScaleForPixelHeight(&f->info[0], size);
}

float fonts_line_height(const fonts *f, float size)
{
    int ascent, descent, gap;
    stbtt_GetFontVMetrics(&f->info[0], &ascent, &descent, &gap);
    return (float)(ascent - descent + gap) * stbtt_ScaleForPixelHeight(&f->info[0], size);
}

int canvas_resize(canvas *c, int width, int height)
{
    uint32_t *pixels = realloc(c->pixels, (size_t)width * height * sizeof *pixels + 4);
    if (!pixels)
        return -1;
    c->pixels = pixels;
    c->width = width;
    c->height = height;
    canvas_unclip(c);
    return 0;
}

void canvas_free(canvas *c)
{
    free(c->pixels);
    c->pixels = NULL;
}

void canvas_unclip(canvas *c)
{
    c->clip_x0 = c->clip_y0 = 0;
    c->clip_x1 = c->width;
    c->clip_y1 = c->height;
}

void canvas_clip(canvas *c, int x, int y, int w, int h)
{
    c->clip_x0 = x < 0 ? 0 : x;
    c->clip_y0 = y < 0 ? 0 : y;
    c->clip_x1 = x + w > c->width ? c->width : x + w;
    c->clip_y1 = y + h > c->height ? c->height : y + h;
}

void canvas_fill(canvas *c, int x, int y, int w, int h, uint32_t color)
{
    int x0 = x < c->clip_x0 ? c->clip_x0 : x, y0 = y < c->clip_y0 ? c->clip_y0 : y;
    int x1 = x + w > c->clip_x1 ? c->clip_x1 : x + w, y1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            c->pixels[(size_t)j * c->width + i] = color;
}

void canvas_frame(canvas *c, int x, int y, int w, int h, uint32_t color)
{
    canvas_fill(c, x, y, w, 1, color);
    canvas_fill(c, x, y + h - 1, w, 1, color);
    canvas_fill(c, x, y, 1, h, color);
    canvas_fill(c, x + w - 1, y, 1, h, color);
}

static uint32_t blend(uint32_t dst, uint32_t color, unsigned alpha)
{
    uint32_t out = 0xff000000u;
    for (int shift = 0; shift < 24; shift += 8) {
        unsigned d = (dst >> shift) & 0xff, s = (color >> shift) & 0xff;
        out |= ((s * alpha + d * (255 - alpha) + 127) / 255) << shift;
    }
    return out;
}

float canvas_glyph(canvas *c, fonts *f, uint32_t codepoint, float size, float x, int baseline, uint32_t color)
{
    glyph *g = lookup(f, codepoint, size);
    int gx = (int)lroundf(x) + g->xoff, gy = baseline + g->yoff;
    for (int j = 0; g->bitmap && j < g->h; j++) {
        int py = gy + j;
        if (py < c->clip_y0 || py >= c->clip_y1)
            continue;
        for (int i = 0; i < g->w; i++) {
            int px = gx + i;
            unsigned a = g->bitmap[j * g->w + i];
            if (a == 0 || px < c->clip_x0 || px >= c->clip_x1)
                continue;
            uint32_t *dst = &c->pixels[(size_t)py * c->width + px];
            *dst = blend(*dst, color, a);
        }
    }
    return g->advance;
}

int utf8_decode(const char *s, size_t n, uint32_t *codepoint)
{
    const unsigned char *u = (const unsigned char *)s;
    int len = u[0] < 0x80 ? 1 : (u[0] >> 5) == 6 ? 2 : (u[0] >> 4) == 14 ? 3 : (u[0] >> 3) == 30 ? 4 : 0;
    if (len == 0 || (size_t)len > n) {
        *codepoint = 0xfffd;
        return 1;
    }
    uint32_t cp = len == 1 ? u[0] : u[0] & (0x7f >> len);
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *codepoint = 0xfffd;
            return 1;
        }
        cp = (cp << 6) | (u[i] & 0x3f);
    }
    *codepoint = cp;
    return len;
}

float canvas_text(canvas *c, fonts *f, const char *text, float size, float x, int y, uint32_t color)
{
    int baseline = y + (int)lroundf(fonts_ascent(f, size));
    float start = x;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)utf8_decode(text + i, n - i, &cp);
        x += canvas_glyph(c, f, cp, size, x, baseline, color);
    }
    return x - start;
}

float fonts_text_width(fonts *f, const char *text, float size)
{
    float w = 0;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)utf8_decode(text + i, n - i, &cp);
        w += fonts_advance(f, cp, size);
    }
    return w;
}
