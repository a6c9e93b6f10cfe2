/* Vulkan presentation for the demo: a swapchain whose images receive a buffer copy each frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vulkan/vulkan.h>
#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>

#include "present.h"

/* Entry points come through GLFW's loader into this file's own table: the runtime library defines global
 * pointers named vkCreateInstance etc., so the demo cannot link libvulkan's symbols of the same names. */
#define PRESENT_GLOBAL_FUNCTIONS(X) X(CreateInstance) X(EnumerateInstanceLayerProperties)
#define PRESENT_INSTANCE_FUNCTIONS(X)                                                                           \
    X(DestroyInstance) X(EnumeratePhysicalDevices) X(GetPhysicalDeviceProperties)                               \
    X(GetPhysicalDeviceQueueFamilyProperties) X(GetPhysicalDeviceMemoryProperties)                             \
    X(GetPhysicalDeviceSurfaceSupportKHR) X(GetPhysicalDeviceSurfaceCapabilitiesKHR)                           \
    X(GetPhysicalDeviceSurfaceFormatsKHR) X(DestroySurfaceKHR) X(CreateDevice) X(DestroyDevice) X(GetDeviceQueue) \
    X(DeviceWaitIdle) X(CreateCommandPool) X(DestroyCommandPool) X(AllocateCommandBuffers) X(BeginCommandBuffer) \
    X(EndCommandBuffer) X(CmdPipelineBarrier) X(CmdCopyBufferToImage) X(CreateFence) X(DestroyFence)           \
    X(WaitForFences) X(ResetFences) X(CreateSemaphore) X(DestroySemaphore) X(CreateBuffer) X(DestroyBuffer)     \
    X(GetBufferMemoryRequirements) X(AllocateMemory) X(FreeMemory) X(BindBufferMemory) X(MapMemory)             \
    X(QueueSubmit) X(CreateSwapchainKHR) X(DestroySwapchainKHR) X(GetSwapchainImagesKHR) X(AcquireNextImageKHR) \
    X(QueuePresentKHR)

#define PRESENT_DECLARE(name) PFN_vk##name name;
static struct {
    PRESENT_GLOBAL_FUNCTIONS(PRESENT_DECLARE)
    PRESENT_INSTANCE_FUNCTIONS(PRESENT_DECLARE)
} vk;

/* Loads the entry points for instance (VK_NULL_HANDLE: the global ones). Returns -1 if one is missing. */
static int load_functions(VkInstance instance)
{
    int missing = 0;
#define PRESENT_LOAD(name)                                                                                      \
    vk.name = (PFN_vk##name)glfwGetInstanceProcAddress(instance, "vk" #name);                                   \
    if (!vk.name) {                                                                                             \
        fprintf(stderr, "mlavk-chat: the Vulkan loader lacks vk%s\n", #name);                                  \
        missing = 1;                                                                                            \
    }
    if (instance == VK_NULL_HANDLE) {
        PRESENT_GLOBAL_FUNCTIONS(PRESENT_LOAD)
    } else {
        PRESENT_INSTANCE_FUNCTIONS(PRESENT_LOAD)
    }
#undef PRESENT_LOAD
    return missing ? -1 : 0;
}

#define MAX_IMAGES 8

struct present {
    GLFWwindow *window;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    uint32_t validation_messages;
    VkSurfaceKHR surface;
    VkPhysicalDevice physical;
    char device_name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    uint32_t queue_family;
    VkDevice device;
    VkQueue queue;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    VkSemaphore acquired;
    VkSemaphore rendered[MAX_IMAGES]; /* one per image: a present may still wait on the previous frame's */
    VkSwapchainKHR swapchain;
    VkFormat format;
    VkExtent2D extent;
    uint32_t image_count;
    VkImage images[MAX_IMAGES];
    VkBuffer staging;
    VkDeviceMemory staging_memory;
    VkDeviceSize staging_size;
    void *staging_mapped;
};

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                    VkDebugUtilsMessageTypeFlagsEXT type,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    (void)type;
    if (severity < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
        return VK_FALSE;
    present *p = user;
    p->validation_messages++;
    fprintf(stderr, "mlavk-chat: vulkan validation: %s\n", data->pMessage);
    return VK_FALSE;
}

static int check(VkResult result, const char *what)
{
    if (result == VK_SUCCESS)
        return 0;
    fprintf(stderr, "mlavk-chat: %s failed (VkResult %d)\n", what, (int)result);
    return -1;
}

static int want_validation(void)
{
    const char *v = getenv("MLAVK_VALIDATE");
    if (!v || strcmp(v, "1") != 0)
        return 0;
    uint32_t n = 0;
    vk.EnumerateInstanceLayerProperties(&n, NULL);
    VkLayerProperties *layers = calloc(n ? n : 1, sizeof *layers);
    int found = 0;
    if (layers && vk.EnumerateInstanceLayerProperties(&n, layers) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            found |= strcmp(layers[i].layerName, "VK_LAYER_KHRONOS_validation") == 0;
    free(layers);
    return found;
}

static int create_instance(present *p)
{
    if (load_functions(VK_NULL_HANDLE) != 0)
        return -1;
    uint32_t n_glfw = 0;
    const char **glfw_ext = glfwGetRequiredInstanceExtensions(&n_glfw);
    if (!glfw_ext) {
        fprintf(stderr, "mlavk-chat: GLFW found no Vulkan window-system support\n");
        return -1;
    }
    const char *extensions[16];
    uint32_t n_ext = 0;
    for (uint32_t i = 0; i < n_glfw && n_ext < 15; i++)
        extensions[n_ext++] = glfw_ext[i];
    int validate = want_validation();
    const char *layer = "VK_LAYER_KHRONOS_validation";
    if (validate)
        extensions[n_ext++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .pApplicationName = "mlavk-chat",
                             .apiVersion = VK_API_VERSION_1_1};
    VkInstanceCreateInfo info = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app,
                                 .enabledExtensionCount = n_ext, .ppEnabledExtensionNames = extensions,
                                 .enabledLayerCount = validate ? 1 : 0, .ppEnabledLayerNames = &layer};
    if (check(vk.CreateInstance(&info, NULL, &p->instance), "vkCreateInstance") ||
        load_functions(p->instance) != 0)
        return -1;
    if (validate) {
        PFN_vkCreateDebugUtilsMessengerEXT create_messenger =
            (PFN_vkCreateDebugUtilsMessengerEXT)glfwGetInstanceProcAddress(p->instance, "vkCreateDebugUtilsMessengerEXT");
        VkDebugUtilsMessengerCreateInfoEXT m = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            .pfnUserCallback = on_validation, .pUserData = p};
        if (create_messenger)
            create_messenger(p->instance, &m, NULL, &p->messenger);
    }
    return check(glfwCreateWindowSurface(p->instance, p->window, NULL, &p->surface), "glfwCreateWindowSurface");
}

/* A queue family of dev that can present to the surface and copy; UINT32_MAX if none. */
static uint32_t present_family(present *p, VkPhysicalDevice dev)
{
    uint32_t n = 0;
    vk.GetPhysicalDeviceQueueFamilyProperties(dev, &n, NULL);
    VkQueueFamilyProperties props[16];
    n = n > 16 ? 16 : n;
    vk.GetPhysicalDeviceQueueFamilyProperties(dev, &n, props);
    for (uint32_t i = 0; i < n; i++) {
        VkBool32 supported = VK_FALSE;
        vk.GetPhysicalDeviceSurfaceSupportKHR(dev, i, p->surface, &supported);
        if (supported && (props[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)))
            return i;
    }
    return UINT32_MAX;
}

static int pick_device(present *p, const char *wanted)
{
    uint32_t n = 0;
    vk.EnumeratePhysicalDevices(p->instance, &n, NULL);
    VkPhysicalDevice devs[16];
    n = n > 16 ? 16 : n;
    if (n == 0 || vk.EnumeratePhysicalDevices(p->instance, &n, devs) < 0)
        return check(VK_ERROR_INITIALIZATION_FAILED, "vkEnumeratePhysicalDevices");
    /* Two passes: the engine's device by name first, then anything that can present. */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            VkPhysicalDeviceProperties props;
            vk.GetPhysicalDeviceProperties(devs[i], &props);
            if (pass == 0 && (!wanted || strcmp(props.deviceName, wanted) != 0))
                continue;
            uint32_t family = present_family(p, devs[i]);
            if (family == UINT32_MAX)
                continue;
            if (pass == 1)
                fprintf(stderr, "mlavk-chat: presenting on %s (the engine's device cannot present)\n",
                        props.deviceName);
            p->physical = devs[i];
            p->queue_family = family;
            snprintf(p->device_name, sizeof p->device_name, "%s", props.deviceName);
            return 0;
        }
    fprintf(stderr, "mlavk-chat: no Vulkan device can present to the window\n");
    return -1;
}

static int create_device(present *p)
{
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                     .queueFamilyIndex = p->queue_family, .queueCount = 1,
                                     .pQueuePriorities = &priority};
    const char *ext = VK_KHR_SWAPCHAIN_EXTENSION_NAME;
    VkDeviceCreateInfo info = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &queue, .enabledExtensionCount = 1,
                               .ppEnabledExtensionNames = &ext};
    if (check(vk.CreateDevice(p->physical, &info, NULL, &p->device), "vkCreateDevice"))
        return -1;
    vk.GetDeviceQueue(p->device, p->queue_family, 0, &p->queue);
    VkCommandPoolCreateInfo pool = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                    .queueFamilyIndex = p->queue_family};
    if (check(vk.CreateCommandPool(p->device, &pool, NULL, &p->pool), "vkCreateCommandPool"))
        return -1;
    VkCommandBufferAllocateInfo alloc = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                         .commandPool = p->pool, .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                         .commandBufferCount = 1};
    VkFenceCreateInfo fence = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, .flags = VK_FENCE_CREATE_SIGNALED_BIT};
    VkSemaphoreCreateInfo sem = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    if (check(vk.AllocateCommandBuffers(p->device, &alloc, &p->cmd), "vkAllocateCommandBuffers") ||
        check(vk.CreateFence(p->device, &fence, NULL, &p->fence), "vkCreateFence") ||
        check(vk.CreateSemaphore(p->device, &sem, NULL, &p->acquired), "vkCreateSemaphore"))
        return -1;
    for (uint32_t i = 0; i < MAX_IMAGES; i++)
        if (check(vk.CreateSemaphore(p->device, &sem, NULL, &p->rendered[i]), "vkCreateSemaphore"))
            return -1;
    return 0;
}

/* B8G8R8A8 matches the canvas's 0xAARRGGBB words byte for byte; UNORM keeps the colours as drawn. */
static VkSurfaceFormatKHR choose_format(present *p)
{
    uint32_t n = 0;
    vk.GetPhysicalDeviceSurfaceFormatsKHR(p->physical, p->surface, &n, NULL);
    VkSurfaceFormatKHR formats[64];
    n = n > 64 ? 64 : n;
    vk.GetPhysicalDeviceSurfaceFormatsKHR(p->physical, p->surface, &n, formats);
    for (uint32_t i = 0; i < n; i++)
        if (formats[i].format == VK_FORMAT_B8G8R8A8_UNORM)
            return formats[i];
    for (uint32_t i = 0; i < n; i++)
        if (formats[i].format == VK_FORMAT_B8G8R8A8_SRGB)
            return formats[i];
    return (VkSurfaceFormatKHR){VK_FORMAT_UNDEFINED, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR};
}

static int create_swapchain(present *p, uint32_t width, uint32_t height)
{
    VkSurfaceCapabilitiesKHR caps;
    if (check(vk.GetPhysicalDeviceSurfaceCapabilitiesKHR(p->physical, p->surface, &caps), "surface capabilities"))
        return -1;
    if (!(caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT)) {
        fprintf(stderr, "mlavk-chat: the window surface cannot be a copy destination\n");
        return -1;
    }
    VkSurfaceFormatKHR format = choose_format(p);
    if (format.format == VK_FORMAT_UNDEFINED) {
        fprintf(stderr, "mlavk-chat: the window surface offers no BGRA8 format\n");
        return -1;
    }
    VkExtent2D extent = caps.currentExtent;
    if (extent.width == UINT32_MAX)
        extent = (VkExtent2D){width, height};
    uint32_t count = caps.minImageCount + 1;
    if (caps.maxImageCount && count > caps.maxImageCount)
        count = caps.maxImageCount;
    VkSwapchainKHR old = p->swapchain;
    VkSwapchainCreateInfoKHR info = {
        .sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR, .surface = p->surface, .minImageCount = count,
        .imageFormat = format.format, .imageColorSpace = format.colorSpace, .imageExtent = extent,
        .imageArrayLayers = 1, .imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT,
        .imageSharingMode = VK_SHARING_MODE_EXCLUSIVE, .preTransform = caps.currentTransform,
        .compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR, .presentMode = VK_PRESENT_MODE_FIFO_KHR,
        .clipped = VK_TRUE, .oldSwapchain = old};
    if (!(caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR))
        info.compositeAlpha = VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR;
    VkResult r = vk.CreateSwapchainKHR(p->device, &info, NULL, &p->swapchain);
    if (old)
        vk.DestroySwapchainKHR(p->device, old, NULL);
    if (check(r, "vkCreateSwapchainKHR")) {
        p->swapchain = VK_NULL_HANDLE;
        return -1;
    }
    p->format = format.format;
    p->extent = extent;
    p->image_count = MAX_IMAGES;
    return check(vk.GetSwapchainImagesKHR(p->device, p->swapchain, &p->image_count, p->images), "swapchain images");
}

static int ensure_staging(present *p, VkDeviceSize size)
{
    if (p->staging_size >= size)
        return 0;
    if (p->staging) {
        vk.DestroyBuffer(p->device, p->staging, NULL);
        vk.FreeMemory(p->device, p->staging_memory, NULL);
        p->staging = VK_NULL_HANDLE;
        p->staging_size = 0;
    }
    VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size,
                               .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT, .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    if (check(vk.CreateBuffer(p->device, &info, NULL, &p->staging), "vkCreateBuffer"))
        return -1;
    VkMemoryRequirements req;
    vk.GetBufferMemoryRequirements(p->device, p->staging, &req);
    VkPhysicalDeviceMemoryProperties mem;
    vk.GetPhysicalDeviceMemoryProperties(p->physical, &mem);
    const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < mem.memoryTypeCount && type == UINT32_MAX; i++)
        if ((req.memoryTypeBits & (1u << i)) && (mem.memoryTypes[i].propertyFlags & want) == want)
            type = i;
    if (type == UINT32_MAX)
        return check(VK_ERROR_FEATURE_NOT_PRESENT, "host-visible memory");
    VkMemoryAllocateInfo alloc = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size,
                                  .memoryTypeIndex = type};
    if (check(vk.AllocateMemory(p->device, &alloc, NULL, &p->staging_memory), "vkAllocateMemory") ||
        check(vk.BindBufferMemory(p->device, p->staging, p->staging_memory, 0), "vkBindBufferMemory") ||
        check(vk.MapMemory(p->device, p->staging_memory, 0, VK_WHOLE_SIZE, 0, &p->staging_mapped), "vkMapMemory"))
        return -1;
    p->staging_size = size;
    return 0;
}

present *present_create(GLFWwindow *window, const char *device_name)
{
    present *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->window = window;
    int width = 0, height = 0;
    glfwGetFramebufferSize(window, &width, &height);
    if (create_instance(p) || pick_device(p, device_name) || create_device(p) ||
        create_swapchain(p, (uint32_t)width, (uint32_t)height)) {
        present_destroy(p);
        return NULL;
    }
    return p;
}

void present_destroy(present *p)
{
    if (!p)
        return;
    if (p->device) {
        vk.DeviceWaitIdle(p->device);
        if (p->staging) {
            vk.DestroyBuffer(p->device, p->staging, NULL);
            vk.FreeMemory(p->device, p->staging_memory, NULL);
        }
        if (p->swapchain)
            vk.DestroySwapchainKHR(p->device, p->swapchain, NULL);
        for (uint32_t i = 0; i < MAX_IMAGES; i++)
            vk.DestroySemaphore(p->device, p->rendered[i], NULL);
        vk.DestroySemaphore(p->device, p->acquired, NULL);
        vk.DestroyFence(p->device, p->fence, NULL);
        vk.DestroyCommandPool(p->device, p->pool, NULL);
        vk.DestroyDevice(p->device, NULL);
    }
    if (p->surface)
        vk.DestroySurfaceKHR(p->instance, p->surface, NULL);
    if (p->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy = (PFN_vkDestroyDebugUtilsMessengerEXT)glfwGetInstanceProcAddress(
            p->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy)
            destroy(p->instance, p->messenger, NULL);
    }
    if (p->instance)
        vk.DestroyInstance(p->instance, NULL);
    free(p);
}

const char *present_device_name(const present *p) { return p->device_name; }

uint32_t present_validation_messages(const present *p) { return p->validation_messages; }

static void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                          VkAccessFlags src_access, VkAccessFlags dst_access, VkPipelineStageFlags src_stage,
                          VkPipelineStageFlags dst_stage)
{
    VkImageMemoryBarrier b = {.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER, .srcAccessMask = src_access,
                              .dstAccessMask = dst_access, .oldLayout = from, .newLayout = to,
                              .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                              .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED, .image = image,
                              .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
    vk.CmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, NULL, 0, NULL, 1, &b);
}

/* Copies the canvas (width x height) into the image; while a resize is in flight the two sizes can differ for a
 * frame, and only the overlap is copied. */
static int record_copy(present *p, VkImage image, uint32_t width, uint32_t height)
{
    VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    if (check(vk.BeginCommandBuffer(p->cmd, &begin), "vkBeginCommandBuffer"))
        return -1;
    image_barrier(p->cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkBufferImageCopy region = {.bufferRowLength = width,
                                .imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
                                .imageExtent = {width < p->extent.width ? width : p->extent.width,
                                                height < p->extent.height ? height : p->extent.height, 1}};
    vk.CmdCopyBufferToImage(p->cmd, p->staging, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    image_barrier(p->cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                  VK_ACCESS_TRANSFER_WRITE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    return check(vk.EndCommandBuffer(p->cmd), "vkEndCommandBuffer");
}

static int recreate(present *p, uint32_t width, uint32_t height)
{
    vk.DeviceWaitIdle(p->device);
    return create_swapchain(p, width, height);
}

int present_frame(present *p, const uint32_t *pixels, uint32_t width, uint32_t height)
{
    if (width == 0 || height == 0)
        return 0; /* minimised */
    if ((!p->swapchain || width != p->extent.width || height != p->extent.height) && recreate(p, width, height))
        return -1;
    /* One frame in flight: the staging buffer and command buffer are reused once the last copy finished. */
    if (check(vk.WaitForFences(p->device, 1, &p->fence, VK_TRUE, UINT64_MAX), "vkWaitForFences"))
        return -1;
    uint32_t index = 0;
    VkResult r = vk.AcquireNextImageKHR(p->device, p->swapchain, UINT64_MAX, p->acquired, VK_NULL_HANDLE, &index);
    if (r == VK_ERROR_OUT_OF_DATE_KHR)
        return recreate(p, width, height) ? -1 : 1;
    if (r != VK_SUBOPTIMAL_KHR && check(r, "vkAcquireNextImageKHR"))
        return -1;
    const VkDeviceSize size = (VkDeviceSize)width * height * 4;
    if (ensure_staging(p, size))
        return -1;
    memcpy(p->staging_mapped, pixels, (size_t)size);
    if (record_copy(p, p->images[index], width, height) ||
        check(vk.ResetFences(p->device, 1, &p->fence), "vkResetFences"))
        return -1;
    VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
    VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .waitSemaphoreCount = 1,
                           .pWaitSemaphores = &p->acquired, .pWaitDstStageMask = &wait_stage,
                           .commandBufferCount = 1, .pCommandBuffers = &p->cmd, .signalSemaphoreCount = 1,
                           .pSignalSemaphores = &p->rendered[index]};
    if (check(vk.QueueSubmit(p->queue, 1, &submit, p->fence), "vkQueueSubmit"))
        return -1;
    VkPresentInfoKHR info = {.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR, .waitSemaphoreCount = 1,
                             .pWaitSemaphores = &p->rendered[index], .swapchainCount = 1,
                             .pSwapchains = &p->swapchain, .pImageIndices = &index};
    r = vk.QueuePresentKHR(p->queue, &info);
    if (r == VK_ERROR_OUT_OF_DATE_KHR)
        return recreate(p, width, height) ? -1 : 1;
    if (r == VK_SUBOPTIMAL_KHR)
        return recreate(p, width, height);
    return check(r, "vkQueuePresentKHR");
}
