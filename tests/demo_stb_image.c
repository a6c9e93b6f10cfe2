/* stb_image's implementation for test_demo_chat (Debian's libstb-dev ships headers only). */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
