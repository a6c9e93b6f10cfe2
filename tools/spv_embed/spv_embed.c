/* Build-time helper: writes a SPIR-V binary as a C definition `const mlavk_spirv mlavk_spv_<name>`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: spv_embed MODULE.spv NAME OUTPUT.c\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        fclose(in);
        return 1;
    }
    fprintf(out, "#include \"mlavk_spirv.h\"\nstatic const uint32_t code[] = {\n");
    uint32_t word;
    size_t words = 0;
    while (fread(&word, sizeof word, 1, in) == 1)
        fprintf(out, "0x%08xu,%s", word, (++words % 8) ? "" : "\n");
    fprintf(out, "};\nconst mlavk_spirv mlavk_spv_%s = {\"%s\", code, sizeof code};\n", argv[2], argv[2]);
    int bad = ferror(in) || words == 0;
    fclose(in);
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "spv_embed: failed to convert %s\n", argv[1]);
        return 1;
    }
    return 0;
}
