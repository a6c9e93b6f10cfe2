/* Error exits, checked I/O and the two-thread helper. A tool, not a library: failing means exiting. */
#include "gen_model.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

_Noreturn void gen_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mlavk-gen-model: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *gen_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        gen_die("out of memory (%zu bytes)", size);
    return p;
}

void gen_make_dirs(const char *path, bool include_last)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    size_t len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && (buf[i] != 0 || !include_last))
            continue;
        char saved = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            gen_die("%s: cannot create directory: %s", buf, strerror(errno));
        buf[i] = saved;
    }
}

FILE *gen_open(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        gen_die("%s: cannot create: %s", path, strerror(errno));
    return f;
}

void gen_close(FILE *f, const char *path)
{
    if (ferror(f) | fclose(f))
        gen_die("%s: write failed: %s", path, strerror(errno));
}

void gen_write(FILE *f, const void *data, size_t size)
{
    if (size && fwrite(data, 1, size, f) != size)
        gen_die("write failed: %s", strerror(errno));
}

void gen_json_string(FILE *f, const char *utf8)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)utf8; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void gen_run2(void *(*fn)(void *), void *arg0, void *arg1)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, fn, arg1) != 0) {
        fn(arg0);
        fn(arg1);
        return;
    }
    fn(arg0);
    pthread_join(thread, NULL);
}
