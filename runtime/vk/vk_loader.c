#include "vk/vk_loader.h"

#include <dlfcn.h>
#include <stdlib.h>

#include "util/status.h"

#define VK_DEFINE_FUNCTION(name) PFN_##name name;
VK_GLOBAL_FUNCTIONS(VK_DEFINE_FUNCTION)
VK_INSTANCE_FUNCTIONS(VK_DEFINE_FUNCTION)
VK_DEBUG_UTILS_FUNCTIONS(VK_DEFINE_FUNCTION)
#undef VK_DEFINE_FUNCTION

static void *loader_handle;
static PFN_vkGetInstanceProcAddr get_instance_proc;

mlavk_status vk_loader_open(void)
{
    if (loader_handle)
        return MLAVK_OK;
    const char *path = getenv("MLAVK_VULKAN_LIBRARY");
    if (!path || !path[0])
        path = "libvulkan.so.1";
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return mlavk_fail(MLAVK_ERR_NO_VULKAN, "cannot load the Vulkan loader %s: %s (install libvulkan1)", path,
                          dlerror());
    get_instance_proc = (PFN_vkGetInstanceProcAddr)dlsym(handle, "vkGetInstanceProcAddr");
    if (!get_instance_proc) {
        dlclose(handle);
        return mlavk_fail(MLAVK_ERR_NO_VULKAN, "%s is not a Vulkan loader: no vkGetInstanceProcAddr", path);
    }
#define LOAD_GLOBAL(name) name = (PFN_##name)get_instance_proc(VK_NULL_HANDLE, #name);
    VK_GLOBAL_FUNCTIONS(LOAD_GLOBAL)
#undef LOAD_GLOBAL
    if (!vkCreateInstance || !vkEnumerateInstanceExtensionProperties || !vkEnumerateInstanceVersion) {
        dlclose(handle);
        return mlavk_fail(MLAVK_ERR_NO_VULKAN, "the Vulkan loader %s does not provide Vulkan 1.1", path);
    }
    loader_handle = handle;
    return MLAVK_OK;
}

mlavk_status vk_loader_load_instance(VkInstance instance, int with_debug_utils)
{
    int missing = 0;
    const char *first_missing = NULL;
#define LOAD_INSTANCE(name)                                                                                   \
    name = (PFN_##name)get_instance_proc(instance, #name);                                                    \
    if (!name && !missing++)                                                                                  \
        first_missing = #name;
    VK_INSTANCE_FUNCTIONS(LOAD_INSTANCE)
#undef LOAD_INSTANCE
    if (missing)
        return mlavk_fail(MLAVK_ERR_NO_VULKAN, "the Vulkan loader lacks %s (Vulkan 1.1 or newer is required)",
                          first_missing);
#define LOAD_DEBUG(name) name = with_debug_utils ? (PFN_##name)get_instance_proc(instance, #name) : NULL;
    VK_DEBUG_UTILS_FUNCTIONS(LOAD_DEBUG)
#undef LOAD_DEBUG
    return MLAVK_OK;
}

const char *vk_result_name(VkResult result)
{
    switch (result) {
#define CASE(r) \
    case r:     \
        return #r;
        CASE(VK_SUCCESS)
        CASE(VK_NOT_READY)
        CASE(VK_TIMEOUT)
        CASE(VK_INCOMPLETE)
        CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
        CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        CASE(VK_ERROR_INITIALIZATION_FAILED)
        CASE(VK_ERROR_DEVICE_LOST)
        CASE(VK_ERROR_MEMORY_MAP_FAILED)
        CASE(VK_ERROR_LAYER_NOT_PRESENT)
        CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
        CASE(VK_ERROR_FEATURE_NOT_PRESENT)
        CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
        CASE(VK_ERROR_TOO_MANY_OBJECTS)
        CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
        CASE(VK_ERROR_FRAGMENTED_POOL)
        CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
        CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        CASE(VK_ERROR_FRAGMENTATION)
#undef CASE
    default:
        return "VK_ERROR_UNKNOWN";
    }
}

mlavk_status vk_result_status(VkResult result, const char *what)
{
    mlavk_status status;
    switch (result) {
    case VK_SUCCESS:
        return MLAVK_OK;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
        status = MLAVK_ERR_OUT_OF_DEVICE_MEMORY;
        break;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
        status = MLAVK_ERR_OUT_OF_HOST_MEMORY;
        break;
    case VK_ERROR_DEVICE_LOST:
        status = MLAVK_ERR_DEVICE_LOST;
        break;
    case VK_ERROR_INCOMPATIBLE_DRIVER:
        status = MLAVK_ERR_NO_DEVICE;
        break;
    default:
        status = MLAVK_ERR_VULKAN;
        break;
    }
    return mlavk_fail(status, "%s: %s", what, vk_result_name(result));
}
