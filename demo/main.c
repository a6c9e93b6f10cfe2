/* mlavk-chat: a desktop chat window for mlavk models. The UI thread draws in software and presents with
 * Vulkan; a worker thread (chat.c) owns the engine. --script/--screenshot run it unattended for tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <stb/stb_image_write.h>

#include "canvas.h"
#include "chat.h"
#include "mlavk.h"
#include "present.h"
#include "ui.h"

#define FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define CJK_FONT_PATH "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

typedef struct args {
    chat_options chat;
    const char *script, *screenshot;
    int width, height;
    int show_tokens;
} args;

typedef struct app {
    args args;
    GLFWwindow *window;
    ui ui;
    chat *chat;
    chat_view view;
    ui_action action; /* from the input callbacks, handled once per loop */
    int save_requested; /* F12 */
    int dirty;        /* redraw needed */
    /* Script mode. */
    char **lines;
    size_t n_lines, next_line;
    uint32_t turns_printed;
} app;

static void usage(FILE *out)
{
    fprintf(out, "usage: mlavk-chat [-m MODEL] [--device D] [-c CTX] [-n N] [--seed S] [--temp T]\n"
                 "                  [--size WxH] [--script FILE --screenshot PNG]\n"
                 "  -m MODEL          GGUF file or HF directory (default: the built-in model)\n"
                 "  --device D        Vulkan device index or name substring (default: the best)\n"
                 "  -c CTX            context length (default: the model's, at most 4096)\n"
                 "  -n N              at most N tokens per reply (default 256)\n"
                 "  --seed S, --temp T  sampling seed and temperature (0: greedy; default 0.8)\n"
                 "  --script FILE     send each line of FILE as a user turn, print the replies, then exit\n"
                 "  --screenshot PNG  save the window to PNG after the last reply of the script, or on F12\n"
                 "  --tokens          start with token boundaries shown\n"
                 "keys: Enter sends, Esc stops the reply, F12 saves the screenshot, Ctrl+Q quits\n"
                 "exit status: 0; 1 on failure; 3 if MLAVK_VALIDATE=1 and the window's Vulkan use drew messages\n");
}

static int parse_args(int argc, char **argv, args *a)
{
    *a = (args){.chat = {.n_predict = 256, .temperature = 0.8f}, .width = 1180, .height = 720};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(o, "--tokens") == 0) {
            a->show_tokens = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "mlavk-chat: unknown option or missing value: %s\n", o);
            return -1;
        }
        i++;
        if (strcmp(o, "-m") == 0)
            a->chat.model_path = v;
        else if (strcmp(o, "--device") == 0)
            a->chat.device = v;
        else if (strcmp(o, "-c") == 0)
            a->chat.n_ctx = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(o, "-n") == 0)
            a->chat.n_predict = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(o, "--seed") == 0)
            a->chat.seed = strtoull(v, NULL, 10);
        else if (strcmp(o, "--temp") == 0)
            a->chat.temperature = strtof(v, NULL);
        else if (strcmp(o, "--script") == 0)
            a->script = v;
        else if (strcmp(o, "--screenshot") == 0)
            a->screenshot = v;
        else if (strcmp(o, "--size") == 0 && sscanf(v, "%dx%d", &a->width, &a->height) == 2)
            continue;
        else {
            fprintf(stderr, "mlavk-chat: unknown option: %s (see --help)\n", o);
            return -1;
        }
    }
    return 0;
}

/* Script lines (empty lines skipped); the array and strings are freed at exit. */
static int read_script(app *s)
{
    FILE *f = fopen(s->args.script, "r");
    if (!f) {
        fprintf(stderr, "mlavk-chat: cannot open %s\n", s->args.script);
        return -1;
    }
    char buffer[4096];
    while (fgets(buffer, sizeof buffer, f)) {
        buffer[strcspn(buffer, "\r\n")] = '\0';
        if (!buffer[0])
            continue;
        char **grown = realloc(s->lines, (s->n_lines + 1) * sizeof *grown);
        char *copy = strdup(buffer);
        if (!grown || !copy) {
            free(copy);
            fclose(f);
            return -1;
        }
        s->lines = grown;
        s->lines[s->n_lines++] = copy;
    }
    fclose(f);
    return 0;
}

/* The name of the device the engine will pick, so presentation can open the same one. */
static void engine_device_name(const char *selector, char *name, size_t size)
{
    mlavk_device_info *devices = NULL;
    uint32_t count = 0, chosen = 0;
    name[0] = '\0';
    if (mlavk_list_devices(selector, &devices, &count, &chosen) == MLAVK_OK && chosen < count)
        snprintf(name, size, "%s", devices[chosen].name);
    free(devices);
}

static app *from(GLFWwindow *w) { return glfwGetWindowUserPointer(w); }

static void on_char(GLFWwindow *w, unsigned int cp)
{
    ui_char(&from(w)->ui, cp);
    from(w)->dirty = 1;
}

static void on_key(GLFWwindow *w, int key, int scancode, int action, int mods)
{
    (void)scancode;
    if (key == GLFW_KEY_F12 && action == GLFW_PRESS)
        from(w)->save_requested = 1;
    if (key == GLFW_KEY_Q && (mods & GLFW_MOD_CONTROL))
        glfwSetWindowShouldClose(w, GLFW_TRUE);
    if (action == GLFW_PRESS || action == GLFW_REPEAT) {
        ui_action a = ui_key(&from(w)->ui, key);
        if (a != UI_NONE)
            from(w)->action = a;
        from(w)->dirty = 1;
    }
}

static void on_mouse_button(GLFWwindow *w, int button, int action, int mods)
{
    (void)mods;
    if (button != GLFW_MOUSE_BUTTON_LEFT || action != GLFW_PRESS)
        return;
    double x, y;
    glfwGetCursorPos(w, &x, &y);
    ui_action a = ui_click(&from(w)->ui, x, y);
    if (a != UI_NONE)
        from(w)->action = a;
    from(w)->dirty = 1;
}

static void on_cursor(GLFWwindow *w, double x, double y)
{
    from(w)->ui.mouse_x = x;
    from(w)->ui.mouse_y = y;
    from(w)->dirty = from(w)->ui.show_tokens; /* only the token tooltip follows the mouse */
}

static void on_scroll(GLFWwindow *w, double dx, double dy)
{
    (void)dx;
    ui_scroll(&from(w)->ui, dy);
    from(w)->dirty = 1;
}

static void handle_action(app *s)
{
    if (s->action == UI_SEND && chat_send(s->chat, s->ui.input) == 0) {
        s->ui.input[0] = '\0';
        s->ui.input_length = 0;
        s->ui.scroll = 0;
    } else if (s->action == UI_STOP) {
        chat_interrupt(s->chat);
    } else if (s->action == UI_NEW) {
        chat_new(s->chat);
    }
    s->action = UI_NONE;
}

/* Script mode: prints each finished reply, sends the next line; returns 1 once every line is answered. */
static int script_step(app *s)
{
    const chat_view *v = &s->view;
    if (v->turns_done > s->turns_printed && v->state == CHAT_IDLE) {
        s->turns_printed = v->turns_done;
        const chat_message *last = v->n_messages ? &v->messages[v->n_messages - 1] : NULL;
        printf("%s\n", last && last->role == CHAT_MODEL ? last->text : "");
        fflush(stdout);
    }
    if (v->state != CHAT_IDLE || s->turns_printed < s->next_line)
        return 0;
    if (s->next_line == s->n_lines)
        return 1;
    if (chat_send(s->chat, s->lines[s->next_line]) == 0)
        s->next_line++;
    return 0;
}

static int save_png(const char *path, const canvas *c)
{
    size_t n = (size_t)c->width * c->height;
    unsigned char *rgba = malloc(n * 4);
    if (!rgba)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t p = c->pixels[i];
        rgba[4 * i] = (unsigned char)(p >> 16);
        rgba[4 * i + 1] = (unsigned char)(p >> 8);
        rgba[4 * i + 2] = (unsigned char)p;
        rgba[4 * i + 3] = 255;
    }
    int ok = stbi_write_png(path, c->width, c->height, 4, rgba, c->width * 4);
    free(rgba);
    if (!ok)
        fprintf(stderr, "mlavk-chat: cannot write %s\n", path);
    return ok ? 0 : -1;
}

/* Draws and presents when something changed. Returns -1 on a presentation failure. */
static int frame(app *s, present *p, canvas *c)
{
    int width, height;
    glfwGetFramebufferSize(s->window, &width, &height);
    if (width != c->width || height != c->height) {
        if (width > 0 && height > 0 && canvas_resize(c, width, height) != 0)
            return -1;
        s->dirty = 1;
    }
    if (!s->dirty || width == 0 || height == 0)
        return 0;
    ui_draw(&s->ui, &s->view, c);
    int shown = present_frame(p, c->pixels, (uint32_t)c->width, (uint32_t)c->height);
    s->dirty = shown == 1;
    return shown < 0 ? -1 : 0;
}

/* The main loop; returns the exit code. */
static int run(app *s, present *p, canvas *c)
{
    int status = 0;
    while (!glfwWindowShouldClose(s->window)) {
        if (chat_copy_view(s->chat, &s->view))
            s->dirty = 1;
        handle_action(s);
        if (s->view.state == CHAT_FAILED) {
            fprintf(stderr, "mlavk-chat: %s\n", s->view.error);
            if (s->args.script)
                return 1;
        }
        if (frame(s, p, c) != 0)
            return 1;
        if (s->save_requested && s->args.screenshot && c->pixels)
            save_png(s->args.screenshot, c);
        s->save_requested = 0;
        if (s->args.script && script_step(s)) {
            s->dirty = 1;
            if (frame(s, p, c) != 0)
                return 1;
            if (s->view.error[0]) {
                fprintf(stderr, "mlavk-chat: %s\n", s->view.error);
                status = 1;
            }
            if (s->args.screenshot && save_png(s->args.screenshot, c) != 0)
                status = 1;
            break;
        }
        int busy = s->view.state == CHAT_PROMPT || s->view.state == CHAT_GENERATING || s->view.state == CHAT_LOADING;
        glfwWaitEventsTimeout(busy || s->args.script ? 1.0 / 30 : 0.25);
    }
    return status;
}

int main(int argc, char **argv)
{
    static app s;
    if (parse_args(argc, argv, &s.args) != 0 || (s.args.script && read_script(&s) != 0))
        return 2;
    if (!glfwInit()) {
        fprintf(stderr, "mlavk-chat: cannot open a window (no display?)\n");
        return 1;
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    s.window = glfwCreateWindow(s.args.width, s.args.height, "mlavk-chat", NULL, NULL);
    fonts *f = fonts_load(FONT_PATH, CJK_FONT_PATH);
    char device[256];
    engine_device_name(s.args.chat.device, device, sizeof device);
    present *p = s.window && f ? present_create(s.window, device) : NULL;
    int status = 1;
    if (p) {
        glfwSetWindowUserPointer(s.window, &s);
        glfwSetCharCallback(s.window, on_char);
        glfwSetKeyCallback(s.window, on_key);
        glfwSetMouseButtonCallback(s.window, on_mouse_button);
        glfwSetCursorPosCallback(s.window, on_cursor);
        glfwSetScrollCallback(s.window, on_scroll);
        ui_init(&s.ui, f);
        s.ui.show_tokens = s.args.show_tokens;
        s.chat = chat_start(&s.args.chat);
        canvas c = {0};
        status = s.chat ? run(&s, p, &c) : 1;
        chat_stop_and_free(s.chat);
        canvas_free(&c);
        if (present_validation_messages(p))
            status = status ? status : 3;
    }
    chat_view_free(&s.view);
    present_destroy(p);
    fonts_free(f);
    if (s.window)
        glfwDestroyWindow(s.window);
    glfwTerminate();
    for (size_t i = 0; i < s.n_lines; i++)
        free(s.lines[i]);
    free(s.lines);
    return status;
}
