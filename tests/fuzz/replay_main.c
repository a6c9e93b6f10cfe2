/* Runs a fuzz harness over files and directories without libFuzzer: the corpus and the crashers become
 * regression tests in every build (and under ASan/UBSan in build-asan). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *data = NULL;
    size_t size = 0, cap = 0, n;
    uint8_t chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (size + n > cap) {
            cap = (size + n) * 2;
            data = realloc(data, cap);
        }
        memcpy(data + size, chunk, n);
        size += n;
    }
    fclose(f);
    /* An exact-size copy, so a read one past the input is caught by ASan as in libFuzzer. */
    uint8_t *exact = malloc(size ? size : 1);
    if (size)
        memcpy(exact, data, size);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    free(data);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* an absent crashers directory is fine */
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return run_file(path);
    }
    struct dirent **entries;
    int n = scandir(path, &entries, NULL, alphasort), failures = 0;
    for (int i = 0; i < n; i++) {
        if (entries[i]->d_name[0] != '.') {
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, entries[i]->d_name);
            failures += run_path(child, count);
        }
        free(entries[i]);
    }
    free(entries);
    return failures;
}

int main(int argc, char **argv)
{
    int count = 0, failures = 0;
    for (int i = 1; i < argc; i++)
        failures += run_path(argv[i], &count);
    printf("replayed %d inputs\n", count);
    return failures || count == 0 ? 1 : 0;
}
