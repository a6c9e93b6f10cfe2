/* What the golden tests against llama.cpp share: a manifest (JSON) with one entry per model file, the logits of all
 * entries in one raw float32 file named by the manifest's "logits" and stored beside it, and each file's sha256. */
#ifndef MLAVK_TESTS_LLAMA_GOLDEN_H
#define MLAVK_TESTS_LLAMA_GOLDEN_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* The entry of list whose "name" is name, or NULL. */
const cJSON *llama_golden_entry(const cJSON *list, const char *name);

/* Reads the logits file the manifest at manifest_path names; NULL (with a failed CHECK) when it cannot. */
char *llama_golden_logits(const char *manifest_path, const cJSON *root, size_t *size);

/* Checks that the file at path is the one the entry's goldens were made from; hint ends the message. */
void llama_golden_check_sha256(const cJSON *entry, const char *path, const char *hint);

#endif
