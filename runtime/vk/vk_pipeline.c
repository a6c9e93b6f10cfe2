#include "vk/vk_pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/status.h"

static void cache_path(vk_context *ctx)
{
    ctx->pipeline_cache_path[0] = '\0';
    const char *off = getenv("MLAVK_NO_PIPELINE_CACHE");
    if (off && off[0] && strcmp(off, "0") != 0)
        return;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[400];
    if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof dir, "%s/mlavk", xdg);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.cache/mlavk", home);
    else
        return;
    /* Create both levels; the cache is an optimisation, so failure only disables it. */
    char parent[400];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        mkdir(parent, 0755);
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return;
    snprintf(ctx->pipeline_cache_path, sizeof ctx->pipeline_cache_path, "%s/pipelines-%04x-%04x-%08x.bin", dir,
             ctx->info.vendor_id, ctx->info.device_id, ctx->info.driver_version);
}

static void *read_cache_file(const char *path, size_t *size)
{
    *size = 0;
    FILE *f = path[0] ? fopen(path, "rb") : NULL;
    if (!f)
        return NULL;
    void *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        if (len > 0 && len < (64L << 20) && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)len))) {
            if (fread(data, 1, (size_t)len, f) == (size_t)len)
                *size = (size_t)len;
            else {
                free(data);
                data = NULL;
            }
        }
    }
    fclose(f);
    return data;
}

mlavk_status vk_pipeline_cache_open(vk_context *ctx)
{
    cache_path(ctx);
    size_t size = 0;
    void *data = read_cache_file(ctx->pipeline_cache_path, &size);
    VkPipelineCacheCreateInfo info = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
                                      .initialDataSize = size,
                                      .pInitialData = data};
    VkResult result = vkCreatePipelineCache(ctx->device, &info, NULL, &ctx->pipeline_cache);
    if (result != VK_SUCCESS && data) {
        /* A stale or damaged file: start empty rather than fail. */
        info.initialDataSize = 0;
        info.pInitialData = NULL;
        result = vkCreatePipelineCache(ctx->device, &info, NULL, &ctx->pipeline_cache);
    }
    free(data);
    return vk_result_status(result, "vkCreatePipelineCache");
}

void vk_pipeline_cache_close(vk_context *ctx)
{
    if (!ctx->pipeline_cache)
        return;
    size_t size = 0;
    if (ctx->pipeline_cache_path[0] &&
        vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, NULL) == VK_SUCCESS && size > 0) {
        void *data = malloc(size);
        if (data && vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, data) == VK_SUCCESS) {
            /* Write then rename, so concurrent processes never read a half-written file. */
            char tmp[600];
            snprintf(tmp, sizeof tmp, "%s.%ld.tmp", ctx->pipeline_cache_path, (long)getpid());
            FILE *f = fopen(tmp, "wb");
            if (f) {
                int ok = fwrite(data, 1, size, f) == size;
                ok = (fclose(f) == 0) && ok;
                if (!ok || rename(tmp, ctx->pipeline_cache_path) != 0)
                    remove(tmp);
            }
        }
        free(data);
    }
    vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
    ctx->pipeline_cache = VK_NULL_HANDLE;
}

static mlavk_status create_layouts(vk_context *ctx, const vk_pipeline_desc *desc, vk_pipeline *p)
{
    VkDescriptorSetLayoutBinding bindings[VK_PIPELINE_MAX_BINDINGS];
    for (uint32_t i = 0; i < desc->binding_count; i++)
        bindings[i] = (VkDescriptorSetLayoutBinding){.binding = i,
                                                     .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                                     .descriptorCount = 1,
                                                     .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
    VkDescriptorSetLayoutCreateInfo set_info = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                                .bindingCount = desc->binding_count,
                                                .pBindings = bindings};
    MLAVK_TRY(vk_result_status(vkCreateDescriptorSetLayout(ctx->device, &set_info, NULL, &p->set_layout),
                               "vkCreateDescriptorSetLayout"));
    VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = desc->push_size};
    VkPipelineLayoutCreateInfo layout_info = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                              .setLayoutCount = 1,
                                              .pSetLayouts = &p->set_layout,
                                              .pushConstantRangeCount = desc->push_size ? 1 : 0,
                                              .pPushConstantRanges = &push};
    return vk_result_status(vkCreatePipelineLayout(ctx->device, &layout_info, NULL, &p->layout),
                            "vkCreatePipelineLayout");
}

static mlavk_status check_desc(const vk_context *ctx, const vk_pipeline_desc *desc)
{
    if (desc->binding_count > VK_PIPELINE_MAX_BINDINGS || desc->spec_count > VK_PIPELINE_MAX_SPEC ||
        desc->push_size % 4 != 0 || desc->push_size > ctx->info.max_push_constants_size)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "pipeline %s: bad description (bindings %u, push %u bytes)",
                          desc->name, desc->binding_count, desc->push_size);
    uint32_t invocations = desc->local_size[0] * desc->local_size[1] * desc->local_size[2];
    if (invocations == 0 || invocations > ctx->info.max_workgroup_invocations)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "pipeline %s: workgroup of %u invocations exceeds %s's limit of %u",
                          desc->name, invocations, ctx->info.name, ctx->info.max_workgroup_invocations);
    return MLAVK_OK;
}

mlavk_status vk_pipeline_create(vk_context *ctx, const vk_pipeline_desc *desc, vk_pipeline *out)
{
    memset(out, 0, sizeof *out);
    MLAVK_TRY(check_desc(ctx, desc));
    VkShaderModuleCreateInfo module_info = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                            .codeSize = desc->code_size,
                                            .pCode = desc->code};
    VkShaderModule module;
    MLAVK_TRY(vk_result_status(vkCreateShaderModule(ctx->device, &module_info, NULL, &module), desc->name));

    uint32_t values[3 + VK_PIPELINE_MAX_SPEC];
    VkSpecializationMapEntry entries[3 + VK_PIPELINE_MAX_SPEC];
    uint32_t count = 3 + desc->spec_count;
    for (uint32_t i = 0; i < count; i++) {
        values[i] = i < 3 ? desc->local_size[i] : desc->spec[i - 3];
        entries[i] = (VkSpecializationMapEntry){.constantID = i, .offset = i * 4, .size = 4};
    }
    VkSpecializationInfo spec = {.mapEntryCount = count, .pMapEntries = entries, .dataSize = count * 4,
                                 .pData = values};
    mlavk_status status = create_layouts(ctx, desc, out);
    if (status == MLAVK_OK && desc->full_subgroups && !ctx->info.subgroup_size_control)
        status = mlavk_fail(MLAVK_ERR_UNSUPPORTED, "pipeline %s: %s cannot require full subgroups", desc->name,
                            ctx->info.name);
    VkPipelineShaderStageRequiredSubgroupSizeCreateInfo subgroup_size = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO,
        .requiredSubgroupSize = desc->full_subgroups};
    if (status == MLAVK_OK) {
        VkComputePipelineCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
            .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                      .pNext = desc->full_subgroups ? &subgroup_size : NULL,
                      .flags = desc->full_subgroups ? VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT : 0,
                      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                      .module = module,
                      .pName = "main",
                      .pSpecializationInfo = &spec},
            .layout = out->layout,
        };
        status = vk_result_status(
            vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &info, NULL, &out->handle), desc->name);
    }
    vkDestroyShaderModule(ctx->device, module, NULL);
    if (status != MLAVK_OK) {
        vk_pipeline_destroy(ctx, out);
        return status;
    }
    out->name = desc->name;
    out->binding_count = desc->binding_count;
    out->write_mask = desc->write_mask;
    out->push_size = desc->push_size;
    memcpy(out->local_size, desc->local_size, sizeof out->local_size);
    return MLAVK_OK;
}

void vk_pipeline_destroy(vk_context *ctx, vk_pipeline *p)
{
    if (p->handle)
        vkDestroyPipeline(ctx->device, p->handle, NULL);
    if (p->layout)
        vkDestroyPipelineLayout(ctx->device, p->layout, NULL);
    if (p->set_layout)
        vkDestroyDescriptorSetLayout(ctx->device, p->set_layout, NULL);
    memset(p, 0, sizeof *p);
}
