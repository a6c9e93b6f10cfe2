/* Puts a software-drawn picture on a GLFW window with Vulkan: each frame the pixels are copied from a
 * host-visible buffer into the swapchain image (no shaders, no render pass). Kept apart from the rest of the
 * demo so the window-system code stays out of the UI. */
#ifndef DEMO_PRESENT_H
#define DEMO_PRESENT_H

#include <stdint.h>

typedef struct present present;
typedef struct GLFWwindow GLFWwindow;

/* Opens Vulkan on the physical device whose name is device_name (the engine's device), or on the first one
 * that can present to the window when none matches. Returns NULL after printing why on stderr. */
present *present_create(GLFWwindow *window, const char *device_name);
void present_destroy(present *p);

/* The device presentation runs on, for the side panel. */
const char *present_device_name(const present *p);

/* Shows width x height pixels of 0xAARRGGBB, the framebuffer size the caller reads from GLFW; the swapchain
 * follows that size. Returns 0 when the frame was shown, 1 when it was not (the swapchain was out of date and
 * has been recreated: draw again), -1 on a Vulkan failure. */
int present_frame(present *p, const uint32_t *pixels, uint32_t width, uint32_t height);

/* Validation messages seen so far (MLAVK_VALIDATE=1 turns the layer on for the demo's instance too). */
uint32_t present_validation_messages(const present *p);

#endif
