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

/* The pointers live under mlavk_ names, so a program that links libmlavk and the Vulkan loader (the demo) keeps
 * both; runtime code calls them by their usual names through these macros. */
#define vkCreateInstance mlavk_vkCreateInstance
#define vkEnumerateInstanceExtensionProperties mlavk_vkEnumerateInstanceExtensionProperties
#define vkEnumerateInstanceLayerProperties mlavk_vkEnumerateInstanceLayerProperties
#define vkEnumerateInstanceVersion mlavk_vkEnumerateInstanceVersion
#define vkDestroyInstance mlavk_vkDestroyInstance
#define vkEnumeratePhysicalDevices mlavk_vkEnumeratePhysicalDevices
#define vkGetPhysicalDeviceProperties mlavk_vkGetPhysicalDeviceProperties
#define vkGetPhysicalDeviceProperties2 mlavk_vkGetPhysicalDeviceProperties2
#define vkGetPhysicalDeviceFeatures2 mlavk_vkGetPhysicalDeviceFeatures2
#define vkGetPhysicalDeviceMemoryProperties mlavk_vkGetPhysicalDeviceMemoryProperties
#define vkGetPhysicalDeviceMemoryProperties2 mlavk_vkGetPhysicalDeviceMemoryProperties2
#define vkGetPhysicalDeviceQueueFamilyProperties mlavk_vkGetPhysicalDeviceQueueFamilyProperties
#define vkEnumerateDeviceExtensionProperties mlavk_vkEnumerateDeviceExtensionProperties
#define vkCreateDevice mlavk_vkCreateDevice
#define vkGetDeviceProcAddr mlavk_vkGetDeviceProcAddr
#define vkDestroyDevice mlavk_vkDestroyDevice
#define vkGetDeviceQueue mlavk_vkGetDeviceQueue
#define vkDeviceWaitIdle mlavk_vkDeviceWaitIdle
#define vkAllocateMemory mlavk_vkAllocateMemory
#define vkFreeMemory mlavk_vkFreeMemory
#define vkMapMemory mlavk_vkMapMemory
#define vkUnmapMemory mlavk_vkUnmapMemory
#define vkCreateBuffer mlavk_vkCreateBuffer
#define vkDestroyBuffer mlavk_vkDestroyBuffer
#define vkGetBufferMemoryRequirements mlavk_vkGetBufferMemoryRequirements
#define vkBindBufferMemory mlavk_vkBindBufferMemory
#define vkCreateShaderModule mlavk_vkCreateShaderModule
#define vkDestroyShaderModule mlavk_vkDestroyShaderModule
#define vkCreatePipelineCache mlavk_vkCreatePipelineCache
#define vkGetPipelineCacheData mlavk_vkGetPipelineCacheData
#define vkDestroyPipelineCache mlavk_vkDestroyPipelineCache
#define vkCreateDescriptorSetLayout mlavk_vkCreateDescriptorSetLayout
#define vkDestroyDescriptorSetLayout mlavk_vkDestroyDescriptorSetLayout
#define vkCreatePipelineLayout mlavk_vkCreatePipelineLayout
#define vkDestroyPipelineLayout mlavk_vkDestroyPipelineLayout
#define vkCreateComputePipelines mlavk_vkCreateComputePipelines
#define vkDestroyPipeline mlavk_vkDestroyPipeline
#define vkCreateDescriptorPool mlavk_vkCreateDescriptorPool
#define vkDestroyDescriptorPool mlavk_vkDestroyDescriptorPool
#define vkResetDescriptorPool mlavk_vkResetDescriptorPool
#define vkAllocateDescriptorSets mlavk_vkAllocateDescriptorSets
#define vkUpdateDescriptorSets mlavk_vkUpdateDescriptorSets
#define vkCreateCommandPool mlavk_vkCreateCommandPool
#define vkDestroyCommandPool mlavk_vkDestroyCommandPool
#define vkAllocateCommandBuffers mlavk_vkAllocateCommandBuffers
#define vkFreeCommandBuffers mlavk_vkFreeCommandBuffers
#define vkBeginCommandBuffer mlavk_vkBeginCommandBuffer
#define vkEndCommandBuffer mlavk_vkEndCommandBuffer
#define vkResetCommandBuffer mlavk_vkResetCommandBuffer
#define vkCreateFence mlavk_vkCreateFence
#define vkDestroyFence mlavk_vkDestroyFence
#define vkResetFences mlavk_vkResetFences
#define vkWaitForFences mlavk_vkWaitForFences
#define vkGetFenceStatus mlavk_vkGetFenceStatus
#define vkQueueSubmit mlavk_vkQueueSubmit
#define vkCreateQueryPool mlavk_vkCreateQueryPool
#define vkDestroyQueryPool mlavk_vkDestroyQueryPool
#define vkGetQueryPoolResults mlavk_vkGetQueryPoolResults
#define vkCmdResetQueryPool mlavk_vkCmdResetQueryPool
#define vkCmdWriteTimestamp mlavk_vkCmdWriteTimestamp
#define vkCmdBindPipeline mlavk_vkCmdBindPipeline
#define vkCmdBindDescriptorSets mlavk_vkCmdBindDescriptorSets
#define vkCmdPushConstants mlavk_vkCmdPushConstants
#define vkCmdDispatch mlavk_vkCmdDispatch
#define vkCmdPipelineBarrier mlavk_vkCmdPipelineBarrier
#define vkCmdCopyBuffer mlavk_vkCmdCopyBuffer
#define vkCmdFillBuffer mlavk_vkCmdFillBuffer
#define vkCreateDebugUtilsMessengerEXT mlavk_vkCreateDebugUtilsMessengerEXT
#define vkDestroyDebugUtilsMessengerEXT mlavk_vkDestroyDebugUtilsMessengerEXT
#define vkCmdBeginDebugUtilsLabelEXT mlavk_vkCmdBeginDebugUtilsLabelEXT
#define vkCmdEndDebugUtilsLabelEXT mlavk_vkCmdEndDebugUtilsLabelEXT
#define vkSetDebugUtilsObjectNameEXT mlavk_vkSetDebugUtilsObjectNameEXT

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
