#include "vk/vk_device.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/status.h"
#include "vk/vk_memory.h"
#include "vk/vk_pipeline.h"

static atomic_uint validation_messages;

uint32_t vk_validation_message_count(void) { return atomic_load(&validation_messages); }

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                            VkDebugUtilsMessageTypeFlagsEXT type,
                                                            const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                            void *user)
{
    (void)type;
    (void)user;
    const char *level = "info";
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
        level = "error";
    else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
        level = "warning";
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT))
        atomic_fetch_add(&validation_messages, 1);
    fprintf(stderr, "vulkan validation %s: %s\n", level, data->pMessage);
    return VK_FALSE;
}

static bool env_flag(const char *name)
{
    const char *value = getenv(name);
    return value && value[0] && strcmp(value, "0") != 0;
}

static bool has_extension(const VkExtensionProperties *list, uint32_t count, const char *name)
{
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(list[i].extensionName, name) == 0)
            return true;
    return false;
}

static bool has_layer(const char *name)
{
    uint32_t count = 0;
    if (vkEnumerateInstanceLayerProperties(&count, NULL) != VK_SUCCESS || count == 0)
        return false;
    VkLayerProperties *layers = calloc(count, sizeof *layers);
    bool found = false;
    if (layers && vkEnumerateInstanceLayerProperties(&count, layers) == VK_SUCCESS)
        for (uint32_t i = 0; i < count && !found; i++)
            found = strcmp(layers[i].layerName, name) == 0;
    free(layers);
    return found;
}

static VkDebugUtilsMessengerCreateInfoEXT messenger_info(void)
{
    return (VkDebugUtilsMessengerCreateInfoEXT){
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation_message,
    };
}

static mlavk_status create_vk_instance(vk_instance *inst)
{
    uint32_t ext_count = 0;
    vkEnumerateInstanceExtensionProperties(NULL, &ext_count, NULL);
    VkExtensionProperties *exts = calloc(ext_count ? ext_count : 1, sizeof *exts);
    if (!exts)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan instance: out of memory");
    vkEnumerateInstanceExtensionProperties(NULL, &ext_count, exts);
    inst->debug_utils = has_extension(exts, ext_count, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    free(exts);

    const char *validation_layer = "VK_LAYER_KHRONOS_validation";
    inst->validation = env_flag("MLAVK_VALIDATE");
    if (inst->validation && !has_layer(validation_layer))
        return mlavk_fail(MLAVK_ERR_NO_VULKAN,
                          "MLAVK_VALIDATE is set but %s is not installed (install vulkan-validationlayers)",
                          validation_layer);
    if (inst->validation && !inst->debug_utils)
        return mlavk_fail(MLAVK_ERR_NO_VULKAN, "MLAVK_VALIDATE is set but VK_EXT_debug_utils is unavailable");

    uint32_t api_version = VK_API_VERSION_1_1;
    vkEnumerateInstanceVersion(&api_version);
    if (api_version > VK_API_VERSION_1_3)
        api_version = VK_API_VERSION_1_3;
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "mlavk",
        .pEngineName = "mlavk",
        .engineVersion = VK_MAKE_API_VERSION(0, 0, 1, 0),
        .apiVersion = api_version,
    };
    const char *extensions[1] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkDebugUtilsMessengerCreateInfoEXT messenger = messenger_info();
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = inst->validation ? &messenger : NULL,
        .pApplicationInfo = &app,
        .enabledLayerCount = inst->validation ? 1 : 0,
        .ppEnabledLayerNames = &validation_layer,
        .enabledExtensionCount = inst->debug_utils ? 1 : 0,
        .ppEnabledExtensionNames = extensions,
    };
    VkResult result = vkCreateInstance(&info, NULL, &inst->handle);
    if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
        return mlavk_fail(MLAVK_ERR_NO_DEVICE, "no Vulkan driver found (install mesa-vulkan-drivers or a GPU driver)");
    if (result != VK_SUCCESS)
        return vk_result_status(result, "vkCreateInstance");
    MLAVK_TRY(vk_loader_load_instance(inst->handle, inst->debug_utils));
    if (inst->validation)
        return vk_result_status(vkCreateDebugUtilsMessengerEXT(inst->handle, &messenger, NULL, &inst->messenger),
                                "vkCreateDebugUtilsMessengerEXT");
    return MLAVK_OK;
}

static uint32_t find_compute_queue(VkPhysicalDevice device, bool *timestamps)
{
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, NULL);
    VkQueueFamilyProperties families[32];
    if (count > 32)
        count = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families);
    for (uint32_t i = 0; i < count; i++)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
            *timestamps = families[i].timestampValidBits > 0;
            return i;
        }
    return UINT32_MAX;
}

static void query_memory(VkPhysicalDevice device, bool has_budget, vk_device_info *info)
{
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
                                               .pNext = has_budget ? &budget : NULL};
    vkGetPhysicalDeviceMemoryProperties2(device, &props);
    uint32_t best = 0;
    for (uint32_t h = 0; h < props.memoryProperties.memoryHeapCount; h++) {
        const VkMemoryHeap *heap = &props.memoryProperties.memoryHeaps[h];
        if ((heap->flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && heap->size > info->device_local_bytes) {
            info->device_local_bytes = heap->size;
            best = h;
        }
    }
    info->has_memory_budget = has_budget;
    info->device_local_budget = has_budget ? budget.heapBudget[best] : 0;
}

/* Whether a compute pipeline can require full subgroups of the default size, and through which interface. */
static void query_subgroup_size_control(VkPhysicalDevice device, uint32_t api_version, bool has_ext,
                                        vk_device_info *info)
{
    if (api_version < VK_API_VERSION_1_3 && !has_ext)
        return;
    VkPhysicalDeviceSubgroupSizeControlProperties props = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceProperties2 props2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &props};
    vkGetPhysicalDeviceProperties2(device, &props2);
    VkPhysicalDeviceSubgroupSizeControlFeatures features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
    VkPhysicalDeviceFeatures2 features2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &features};
    vkGetPhysicalDeviceFeatures2(device, &features2);
    info->subgroup_size_control = features.subgroupSizeControl && features.computeFullSubgroups &&
                                  (props.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                                  info->subgroup_size >= props.minSubgroupSize &&
                                  info->subgroup_size <= props.maxSubgroupSize;
    info->subgroup_size_control_ext = info->subgroup_size_control && api_version < VK_API_VERSION_1_3;
}

static void query_device_info(VkPhysicalDevice device, uint32_t index, vk_device_info *info)
{
    uint32_t ext_count = 0;
    vkEnumerateDeviceExtensionProperties(device, NULL, &ext_count, NULL);
    VkExtensionProperties *exts = calloc(ext_count ? ext_count : 1, sizeof *exts);
    if (exts)
        vkEnumerateDeviceExtensionProperties(device, NULL, &ext_count, exts);
    else
        ext_count = 0;

    VkPhysicalDeviceSubgroupProperties subgroup = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceDriverProperties driver = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
                                               .pNext = &subgroup};
    VkPhysicalDeviceMaintenance3Properties maint3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, .pNext = &driver};
    VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &maint3};
    vkGetPhysicalDeviceProperties2(device, &props);

    VkPhysicalDeviceShaderFloat16Int8Features f16i8 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDevice8BitStorageFeatures s8 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
                                              .pNext = &f16i8};
    VkPhysicalDevice16BitStorageFeatures s16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
                                                .pNext = &s8};
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &s16};
    vkGetPhysicalDeviceFeatures2(device, &features);

    const VkPhysicalDeviceLimits *limits = &props.properties.limits;
    *info = (vk_device_info){
        .index = index,
        .type = props.properties.deviceType,
        .vendor_id = props.properties.vendorID,
        .device_id = props.properties.deviceID,
        .driver_version = props.properties.driverVersion,
        .api_version = props.properties.apiVersion,
        .subgroup_size = subgroup.subgroupSize,
        .subgroup_operations = subgroup.supportedOperations,
        .subgroup_in_compute = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0,
        .shader_float16 = f16i8.shaderFloat16,
        .shader_int8 = f16i8.shaderInt8,
        .storage_8bit = s8.storageBuffer8BitAccess,
        .storage_16bit = s16.storageBuffer16BitAccess,
        .cooperative_matrix = has_extension(exts, ext_count, "VK_KHR_cooperative_matrix") ||
                              has_extension(exts, ext_count, "VK_NV_cooperative_matrix"),
        .max_storage_buffer_range = limits->maxStorageBufferRange,
        .max_allocation_size = maint3.maxMemoryAllocationSize,
        .max_push_constants_size = limits->maxPushConstantsSize,
        .max_workgroup_invocations = limits->maxComputeWorkGroupInvocations,
        .max_shared_memory = limits->maxComputeSharedMemorySize,
        .min_storage_buffer_offset_alignment = (uint32_t)limits->minStorageBufferOffsetAlignment,
        .timestamp_period_ns = limits->timestampPeriod,
    };
    snprintf(info->name, sizeof info->name, "%s", props.properties.deviceName);
    snprintf(info->driver_name, sizeof info->driver_name, "%s", driver.driverName);
    snprintf(info->driver_info, sizeof info->driver_info, "%s", driver.driverInfo);
    query_memory(device, has_extension(exts, ext_count, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME), info);
    query_subgroup_size_control(device, props.properties.apiVersion,
                                has_extension(exts, ext_count, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME), info);
    uint32_t family = find_compute_queue(device, &info->timestamps);
    info->timestamps = family != UINT32_MAX && info->timestamps && limits->timestampComputeAndGraphics;
    free(exts);
}

bool vk_device_has_subgroup_arithmetic(const vk_device_info *info)
{
    const VkSubgroupFeatureFlags needed = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    return info->subgroup_in_compute && (info->subgroup_operations & needed) == needed && info->subgroup_size >= 4 &&
           info->subgroup_size_control;
}

const char *vk_device_type_name(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

static mlavk_status enumerate_devices(vk_instance *inst)
{
    uint32_t count = 0;
    VkResult result = vkEnumeratePhysicalDevices(inst->handle, &count, NULL);
    if (result != VK_SUCCESS)
        return vk_result_status(result, "vkEnumeratePhysicalDevices");
    if (count == 0)
        return mlavk_fail(MLAVK_ERR_NO_DEVICE, "no Vulkan device found (install mesa-vulkan-drivers or a GPU driver)");
    inst->physical_devices = calloc(count, sizeof *inst->physical_devices);
    inst->devices = calloc(count, sizeof *inst->devices);
    if (!inst->physical_devices || !inst->devices)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan devices: out of memory");
    result = vkEnumeratePhysicalDevices(inst->handle, &count, inst->physical_devices);
    if (result != VK_SUCCESS && result != VK_INCOMPLETE)
        return vk_result_status(result, "vkEnumeratePhysicalDevices");
    inst->device_count = count;
    for (uint32_t i = 0; i < count; i++)
        query_device_info(inst->physical_devices[i], i, &inst->devices[i]);
    return MLAVK_OK;
}

mlavk_status vk_instance_create(vk_instance **out)
{
    *out = NULL;
    MLAVK_TRY(vk_loader_open());
    vk_instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan instance: out of memory");
    mlavk_status status = create_vk_instance(inst);
    if (status == MLAVK_OK)
        status = enumerate_devices(inst);
    if (status != MLAVK_OK) {
        vk_instance_destroy(inst);
        return status;
    }
    *out = inst;
    return MLAVK_OK;
}

void vk_instance_destroy(vk_instance *inst)
{
    if (!inst)
        return;
    if (inst->messenger)
        vkDestroyDebugUtilsMessengerEXT(inst->handle, inst->messenger, NULL);
    if (inst->handle)
        vkDestroyInstance(inst->handle, NULL);
    free(inst->physical_devices);
    free(inst->devices);
    free(inst);
}

static int type_rank(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 1;
    default:
        return 0;
    }
}

static bool contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = haystack; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

mlavk_status vk_instance_choose(const vk_instance *inst, const char *selector, uint32_t *index)
{
    if (!selector || !selector[0])
        selector = getenv("MLAVK_DEVICE");
    if (selector && selector[0]) {
        char *end = NULL;
        unsigned long wanted = strtoul(selector, &end, 10);
        if (end && *end == '\0') {
            if (wanted >= inst->device_count)
                return mlavk_fail(MLAVK_ERR_NO_DEVICE, "device index %lu out of range: %u device(s) present", wanted,
                                  inst->device_count);
            *index = (uint32_t)wanted;
            return MLAVK_OK;
        }
        for (uint32_t i = 0; i < inst->device_count; i++)
            if (contains_ignoring_case(inst->devices[i].name, selector)) {
                *index = i;
                return MLAVK_OK;
            }
        return mlavk_fail(MLAVK_ERR_NO_DEVICE, "no Vulkan device matches \"%s\" (see `mlavk devices`)", selector);
    }
    uint32_t best = 0;
    for (uint32_t i = 1; i < inst->device_count; i++)
        if (type_rank(inst->devices[i].type) > type_rank(inst->devices[best].type))
            best = i;
    *index = best;
    return MLAVK_OK;
}

static mlavk_status create_logical_device(vk_context *ctx)
{
    bool timestamps = false;
    ctx->queue_family = find_compute_queue(ctx->physical_device, &timestamps);
    if (ctx->queue_family == UINT32_MAX)
        return mlavk_fail(MLAVK_ERR_NO_DEVICE, "%s has no compute queue", ctx->info.name);
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                     .queueFamilyIndex = ctx->queue_family,
                                     .queueCount = 1,
                                     .pQueuePriorities = &priority};
    const char *extensions[2];
    uint32_t extension_count = 0;
    if (ctx->info.has_memory_budget)
        extensions[extension_count++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
    if (ctx->info.subgroup_size_control_ext)
        extensions[extension_count++] = VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME;
    VkPhysicalDeviceSubgroupSizeControlFeatures size_control = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES,
        .subgroupSizeControl = VK_TRUE,
        .computeFullSubgroups = VK_TRUE};
    VkDeviceCreateInfo info = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .pNext = ctx->info.subgroup_size_control ? &size_control : NULL,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &queue,
                               .enabledExtensionCount = extension_count,
                               .ppEnabledExtensionNames = extensions};
    MLAVK_TRY(vk_result_status(vkCreateDevice(ctx->physical_device, &info, NULL, &ctx->device), "vkCreateDevice"));
    vkGetDeviceQueue(ctx->device, ctx->queue_family, 0, &ctx->queue);
    VkCommandPoolCreateInfo pool = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                    .queueFamilyIndex = ctx->queue_family};
    return vk_result_status(vkCreateCommandPool(ctx->device, &pool, NULL, &ctx->command_pool), "vkCreateCommandPool");
}

mlavk_status vk_context_create(const char *device_selector, vk_context **out)
{
    *out = NULL;
    vk_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan context: out of memory");
    uint32_t index = 0;
    mlavk_status status = vk_instance_create(&ctx->instance);
    if (status == MLAVK_OK)
        status = vk_instance_choose(ctx->instance, device_selector, &index);
    if (status == MLAVK_OK) {
        ctx->physical_device = ctx->instance->physical_devices[index];
        ctx->info = ctx->instance->devices[index];
        status = create_logical_device(ctx);
    }
    if (status == MLAVK_OK)
        status = vk_pipeline_cache_open(ctx);
    if (status == MLAVK_OK)
        status = vk_memory_create(ctx, &ctx->memory);
    if (status != MLAVK_OK) {
        vk_context_destroy(ctx);
        return status;
    }
    *out = ctx;
    return MLAVK_OK;
}

void vk_context_destroy(vk_context *ctx)
{
    if (!ctx)
        return;
    if (ctx->device) {
        vkDeviceWaitIdle(ctx->device);
        vk_memory_destroy(ctx, ctx->memory);
        vk_pipeline_cache_close(ctx);
        if (ctx->command_pool)
            vkDestroyCommandPool(ctx->device, ctx->command_pool, NULL);
        vkDestroyDevice(ctx->device, NULL);
    }
    vk_instance_destroy(ctx->instance);
    free(ctx);
}
