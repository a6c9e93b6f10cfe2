#include "formats/file_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/status.h"

static mlavk_status open_regular(const char *path, int *fd_out, size_t *size_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot stat: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return mlavk_fail(MLAVK_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
        close(fd);
        return mlavk_fail(MLAVK_ERR_IO, "%s: file too large for this address space", path);
    }
    *fd_out = fd;
    *size_out = (size_t)st.st_size;
    return MLAVK_OK;
}

mlavk_status file_map_open(const char *path, file_map *out)
{
    out->data = NULL;
    out->size = 0;
    int fd;
    size_t size;
    MLAVK_TRY(open_regular(path, &fd, &size));
    if (size == 0) {
        close(fd);
        return MLAVK_OK;
    }
    /* The mapping keeps the file alive after the descriptor is closed. */
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    close(fd);
    if (data == MAP_FAILED)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot map: %s", path, strerror(err));
    out->data = data;
    out->size = size;
    return MLAVK_OK;
}

void file_map_close(file_map *map)
{
    if (map->data)
        munmap(map->data, map->size);
    map->data = NULL;
    map->size = 0;
}

mlavk_status file_read_text(const char *path, size_t max_bytes, char **out, size_t *size_out)
{
    int fd;
    size_t size;
    MLAVK_TRY(open_regular(path, &fd, &size));
    if (size > max_bytes) {
        close(fd);
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: file of %zu bytes is larger than the %zu allowed", path, size,
                          max_bytes);
    }
    char *text = malloc(size + 1);
    if (!text) {
        close(fd);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, text + done, size - done);
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            free(text);
            close(fd);
            return mlavk_fail(MLAVK_ERR_IO, "%s: cannot read: %s", path, strerror(err));
        }
        done += (size_t)n;
    }
    close(fd);
    text[size] = '\0';
    *out = text;
    *size_out = size;
    return MLAVK_OK;
}
