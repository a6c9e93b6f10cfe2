/* Vulkan entry points, loaded at run time from the system loader so that a missing loader is a clear error
 * rather than a failure to start. Every vk_* file includes this instead of <vulkan/vulkan.h>. */
#ifndef MLAVK_VK_LOADER_H
#define MLAVK_VK_LOADER_H

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include "mlavk.h"

#define VK_GLOBAL_FUNCTIONS(X)                                                                        \
    X(vkCreateInstance)                                                                               \
    X(vkEnumerateInstanceExtensionProperties)                                                         \
    X(vkEnumerateInstanceLayerProperties)                                                             \
    X(vkEnumerateInstanceVersion)

#define VK_INSTANCE_FUNCTIONS(X)                                                                      \
    X(vkDestroyInstance)                                                                              \
    X(vkEnumeratePhysicalDevices)                                                                     \
    X(vkGetPhysicalDeviceProperties)                                                                  \
    X(vkGetPhysicalDeviceProperties2)                                                                 \
    X(vkGetPhysicalDeviceFeatures2)                                                                   \
    X(vkGetPhysicalDeviceMemoryProperties)                                                            \
    X(vkGetPhysicalDeviceMemoryProperties2)                                                           \
    X(vkGetPhysicalDeviceQueueFamilyProperties)                                                       \
    X(vkEnumerateDeviceExtensionProperties)                                                           \
    X(vkCreateDevice)                                                                                 \
    X(vkGetDeviceProcAddr)                                                                            \
    X(vkDestroyDevice)                                                                                \
    X(vkGetDeviceQueue)                                                                               \
    X(vkDeviceWaitIdle)                                                                               \
    X(vkAllocateMemory)                                                                               \
    X(vkFreeMemory)                                                                                   \
    X(vkMapMemory)                                                                                    \
    X(vkUnmapMemory)                                                                                  \
    X(vkCreateBuffer)                                                                                 \
    X(vkDestroyBuffer)                                                                                \
    X(vkGetBufferMemoryRequirements)                                                                  \
    X(vkBindBufferMemory)                                                                             \
    X(vkCreateShaderModule)                                                                           \
    X(vkDestroyShaderModule)                                                                          \
    X(vkCreatePipelineCache)                                                                          \
    X(vkGetPipelineCacheData)                                                                         \
    X(vkDestroyPipelineCache)                                                                         \
    X(vkCreateDescriptorSetLayout)                                                                    \
    X(vkDestroyDescriptorSetLayout)                                                                   \
    X(vkCreatePipelineLayout)                                                                         \
    X(vkDestroyPipelineLayout)                                                                        \
    X(vkCreateComputePipelines)                                                                       \
    X(vkDestroyPipeline)                                                                              \
    X(vkCreateDescriptorPool)                                                                         \
    X(vkDestroyDescriptorPool)                                                                        \
    X(vkResetDescriptorPool)                                                                          \
    X(vkAllocateDescriptorSets)                                                                       \
    X(vkUpdateDescriptorSets)                                                                         \
    X(vkCreateCommandPool)                                                                            \
    X(vkDestroyCommandPool)                                                                           \
    X(vkAllocateCommandBuffers)                                                                       \
    X(vkFreeCommandBuffers)                                                                           \
    X(vkBeginCommandBuffer)                                                                           \
    X(vkEndCommandBuffer)                                                                             \
    X(vkResetCommandBuffer)                                                                           \
    X(vkCreateFence)                                                                                  \
    X(vkDestroyFence)                                                                                 \
    X(vkResetFences)                                                                                  \
    X(vkWaitForFences)                                                                                \
    X(vkGetFenceStatus)                                                                               \
    X(vkQueueSubmit)                                                                                  \
    X(vkCreateQueryPool)                                                                              \
    X(vkDestroyQueryPool)                                                                             \
    X(vkGetQueryPoolResults)                                                                          \
    X(vkCmdResetQueryPool)                                                                            \
    X(vkCmdWriteTimestamp)                                                                            \
    X(vkCmdBindPipeline)                                                                              \
    X(vkCmdBindDescriptorSets)                                                                        \
    X(vkCmdPushConstants)                                                                             \
    X(vkCmdDispatch)                                                                                  \
    X(vkCmdPipelineBarrier)                                                                           \
    X(vkCmdCopyBuffer)                                                                                \
    X(vkCmdFillBuffer)

/* Present only when VK_EXT_debug_utils is enabled; NULL otherwise. */
#define VK_DEBUG_UTILS_FUNCTIONS(X)                                                                   \
    X(vkCreateDebugUtilsMessengerEXT)                                                                 \
    X(vkDestroyDebugUtilsMessengerEXT)                                                                \
    X(vkCmdBeginDebugUtilsLabelEXT)                                                                   \
    X(vkCmdEndDebugUtilsLabelEXT)                                                                     \
    X(vkSetDebugUtilsObjectNameEXT)

#define VK_DECLARE_FUNCTION(name) extern PFN_##name name;
VK_GLOBAL_FUNCTIONS(VK_DECLARE_FUNCTION)
VK_INSTANCE_FUNCTIONS(VK_DECLARE_FUNCTION)
VK_DEBUG_UTILS_FUNCTIONS(VK_DECLARE_FUNCTION)
#undef VK_DECLARE_FUNCTION

/* Opens the loader (MLAVK_VULKAN_LIBRARY overrides the default libvulkan.so.1) and its global functions.
 * Idempotent. */
mlavk_status vk_loader_open(void);

/* Loads the instance-level functions (these dispatch correctly for any device of the instance). */
mlavk_status vk_loader_load_instance(VkInstance instance, int with_debug_utils);

/* Maps a VkResult to a status and records "<what>: <VkResult name>". */
mlavk_status vk_result_status(VkResult result, const char *what);

const char *vk_result_name(VkResult result);

#endif
