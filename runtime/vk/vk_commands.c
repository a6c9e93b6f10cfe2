#include "vk/vk_commands.h"

#include <stdlib.h>
#include <string.h>

#include "util/status.h"

#define SETS_PER_POOL 256
#define MAX_TIMED_COMMANDS 4096

typedef struct access {
    VkBuffer buffer;
    VkDeviceSize start, end;
    bool write;
} access;

struct vk_recording {
    vk_context *ctx;
    VkCommandBuffer cmd;
    VkFence fence;
    bool submitted;
    mlavk_status status;

    VkDescriptorPool *pools;
    uint32_t pool_count, pool_capacity, pool_current, sets_in_current;

    access *accesses;          /* since the last barrier */
    uint32_t access_count, access_capacity;

    bool profile;
    VkQueryPool queries;
    uint32_t timed_count;
    vk_timing *timed;          /* labels and costs as recorded; times filled in after the run */
    vk_timing *timings;
    bool cost_set;
    double next_bytes, next_flops;

    uint32_t dispatch_count, barrier_count;
};

static void fail(vk_recording *rec, mlavk_status status)
{
    if (rec->status == MLAVK_OK)
        rec->status = status;
}

mlavk_status vk_recording_create(vk_context *ctx, vk_recording **out)
{
    *out = NULL;
    vk_recording *rec = calloc(1, sizeof *rec);
    if (!rec)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "recording: out of memory");
    rec->ctx = ctx;
    VkCommandBufferAllocateInfo alloc = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                         .commandPool = ctx->command_pool,
                                         .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                         .commandBufferCount = 1};
    VkFenceCreateInfo fence = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    mlavk_status status =
        vk_result_status(vkAllocateCommandBuffers(ctx->device, &alloc, &rec->cmd), "vkAllocateCommandBuffers");
    if (status == MLAVK_OK)
        status = vk_result_status(vkCreateFence(ctx->device, &fence, NULL, &rec->fence), "vkCreateFence");
    if (status != MLAVK_OK) {
        vk_recording_destroy(rec);
        return status;
    }
    *out = rec;
    return MLAVK_OK;
}

void vk_recording_destroy(vk_recording *rec)
{
    if (!rec)
        return;
    VkDevice device = rec->ctx->device;
    if (rec->submitted)
        vkWaitForFences(device, 1, &rec->fence, VK_TRUE, UINT64_MAX);
    for (uint32_t i = 0; i < rec->pool_count; i++)
        vkDestroyDescriptorPool(device, rec->pools[i], NULL);
    if (rec->queries)
        vkDestroyQueryPool(device, rec->queries, NULL);
    if (rec->fence)
        vkDestroyFence(device, rec->fence, NULL);
    if (rec->cmd)
        vkFreeCommandBuffers(device, rec->ctx->command_pool, 1, &rec->cmd);
    free(rec->pools);
    free(rec->accesses);
    free(rec->timed);
    free(rec->timings);
    free(rec);
}

static mlavk_status ensure_queries(vk_recording *rec)
{
    if (rec->queries)
        return MLAVK_OK;
    if (!rec->ctx->info.timestamps)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s does not support timestamp queries on its compute queue",
                          rec->ctx->info.name);
    rec->timed = calloc(MAX_TIMED_COMMANDS, sizeof *rec->timed);
    rec->timings = calloc(MAX_TIMED_COMMANDS, sizeof *rec->timings);
    if (!rec->timed || !rec->timings)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "recording: out of memory");
    VkQueryPoolCreateInfo info = {.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                  .queryType = VK_QUERY_TYPE_TIMESTAMP,
                                  .queryCount = 2 * MAX_TIMED_COMMANDS};
    return vk_result_status(vkCreateQueryPool(rec->ctx->device, &info, NULL, &rec->queries), "vkCreateQueryPool");
}

mlavk_status vk_recording_begin(vk_recording *rec, bool profile)
{
    if (rec->submitted)
        MLAVK_TRY(vk_recording_wait(rec));
    rec->status = MLAVK_OK;
    rec->profile = profile;
    rec->access_count = rec->timed_count = rec->dispatch_count = rec->barrier_count = 0;
    rec->pool_current = 0;
    rec->sets_in_current = rec->pool_count ? 0 : SETS_PER_POOL;
    for (uint32_t i = 0; i < rec->pool_count; i++)
        vkResetDescriptorPool(rec->ctx->device, rec->pools[i], 0);
    if (profile)
        MLAVK_TRY(ensure_queries(rec));
    MLAVK_TRY(vk_result_status(vkResetCommandBuffer(rec->cmd, 0), "vkResetCommandBuffer"));
    VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    MLAVK_TRY(vk_result_status(vkBeginCommandBuffer(rec->cmd, &begin), "vkBeginCommandBuffer"));
    if (profile)
        vkCmdResetQueryPool(rec->cmd, rec->queries, 0, 2 * MAX_TIMED_COMMANDS);
    return MLAVK_OK;
}

static VkDescriptorSet allocate_set(vk_recording *rec, VkDescriptorSetLayout layout)
{
    VkDevice device = rec->ctx->device;
    if (rec->sets_in_current == SETS_PER_POOL) {
        rec->pool_current += rec->pool_count ? 1 : 0;
        if (rec->pool_current >= rec->pool_count) {
            if (rec->pool_count == rec->pool_capacity) {
                uint32_t capacity = rec->pool_capacity ? 2 * rec->pool_capacity : 4;
                VkDescriptorPool *pools = realloc(rec->pools, capacity * sizeof *pools);
                if (!pools) {
                    fail(rec, mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "recording: out of memory"));
                    return VK_NULL_HANDLE;
                }
                rec->pools = pools;
                rec->pool_capacity = capacity;
            }
            VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, SETS_PER_POOL * VK_PIPELINE_MAX_BINDINGS};
            VkDescriptorPoolCreateInfo info = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                               .maxSets = SETS_PER_POOL,
                                               .poolSizeCount = 1,
                                               .pPoolSizes = &size};
            mlavk_status status = vk_result_status(
                vkCreateDescriptorPool(device, &info, NULL, &rec->pools[rec->pool_count]), "vkCreateDescriptorPool");
            if (status != MLAVK_OK) {
                fail(rec, status);
                return VK_NULL_HANDLE;
            }
            rec->pool_current = rec->pool_count++;
        }
        rec->sets_in_current = 0;
    }
    VkDescriptorSetAllocateInfo info = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                        .descriptorPool = rec->pools[rec->pool_current],
                                        .descriptorSetCount = 1,
                                        .pSetLayouts = &layout};
    VkDescriptorSet set = VK_NULL_HANDLE;
    mlavk_status status = vk_result_status(vkAllocateDescriptorSets(device, &info, &set), "vkAllocateDescriptorSets");
    if (status != MLAVK_OK)
        fail(rec, status);
    rec->sets_in_current++;
    return set;
}

static access to_access(const vk_binding *b, bool write)
{
    VkDeviceSize start = b->buffer->offset + b->offset;
    VkDeviceSize size = b->size ? b->size : b->buffer->size - b->offset;
    return (access){b->buffer->handle, start, start + size, write};
}

static bool conflicts(const vk_recording *rec, const access *a)
{
    for (uint32_t i = 0; i < rec->access_count; i++) {
        const access *e = &rec->accesses[i];
        if (e->buffer == a->buffer && a->start < e->end && e->start < a->end && (e->write || a->write))
            return true;
    }
    return false;
}

/* Orders the accesses: inserts one barrier when any of them hazards with what came since the last barrier. */
static void order_accesses(vk_recording *rec, const access *list, uint32_t n)
{
    bool hazard = false;
    for (uint32_t i = 0; i < n && !hazard; i++)
        hazard = conflicts(rec, &list[i]);
    if (hazard) {
        VkMemoryBarrier barrier = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                   .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                                   .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                                    VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
        const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
        vkCmdPipelineBarrier(rec->cmd, stages, stages, 0, 1, &barrier, 0, NULL, 0, NULL);
        rec->access_count = 0;
        rec->barrier_count++;
    }
    if (rec->access_count + n > rec->access_capacity) {
        uint32_t capacity = (rec->access_count + n) * 2;
        access *grown = realloc(rec->accesses, capacity * sizeof *grown);
        if (!grown) {
            fail(rec, mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "recording: out of memory"));
            return;
        }
        rec->accesses = grown;
        rec->access_capacity = capacity;
    }
    memcpy(&rec->accesses[rec->access_count], list, n * sizeof *list);
    rec->access_count += n;
}

void vk_set_cost(vk_recording *rec, double bytes, double flops)
{
    rec->cost_set = true;
    rec->next_bytes = bytes;
    rec->next_flops = flops;
}

static void time_begin(vk_recording *rec, const char *label, const access *list, uint32_t n)
{
    bool cost_set = rec->cost_set;
    rec->cost_set = false;
    if (!rec->profile || rec->timed_count >= MAX_TIMED_COMMANDS)
        return;
    double bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += (double)(list[i].end - list[i].start);
    rec->timed[rec->timed_count] = (vk_timing){.label = label,
                                               .bytes = cost_set ? rec->next_bytes : bytes,
                                               .flops = cost_set ? rec->next_flops : 0};
    vkCmdWriteTimestamp(rec->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, rec->queries, 2 * rec->timed_count);
}

static void time_end(vk_recording *rec)
{
    if (!rec->profile || rec->timed_count >= MAX_TIMED_COMMANDS)
        return;
    vkCmdWriteTimestamp(rec->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, rec->queries, 2 * rec->timed_count + 1);
    rec->timed_count++;
}

static bool check_binding(vk_recording *rec, const char *what, const vk_binding *b)
{
    if (!b->buffer || !b->buffer->handle || b->offset > b->buffer->size ||
        b->size > b->buffer->size - b->offset) {
        fail(rec, mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: binding outside its buffer", what));
        return false;
    }
    return true;
}

void vk_dispatch(vk_recording *rec, const vk_pipeline *p, const vk_binding *bindings, uint32_t binding_count,
                 const void *push, uint32_t push_size, uint32_t groups_x, uint32_t groups_y, uint32_t groups_z)
{
    if (rec->status != MLAVK_OK)
        return;
    if (binding_count != p->binding_count || push_size != p->push_size) {
        fail(rec, mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT,
                             "dispatch %s: %u bindings and %u push bytes given, pipeline takes %u and %u", p->name,
                             binding_count, push_size, p->binding_count, p->push_size));
        return;
    }
    if (groups_x == 0 || groups_y == 0 || groups_z == 0)
        return;
    access list[VK_PIPELINE_MAX_BINDINGS];
    VkDescriptorBufferInfo infos[VK_PIPELINE_MAX_BINDINGS];
    VkWriteDescriptorSet writes[VK_PIPELINE_MAX_BINDINGS];
    VkDescriptorSet set = allocate_set(rec, p->set_layout);
    if (!set)
        return;
    for (uint32_t i = 0; i < binding_count; i++) {
        if (!check_binding(rec, p->name, &bindings[i]))
            return;
        list[i] = to_access(&bindings[i], (p->write_mask >> i) & 1u);
        infos[i] = (VkDescriptorBufferInfo){bindings[i].buffer->handle, list[i].start, list[i].end - list[i].start};
        writes[i] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                           .dstSet = set,
                                           .dstBinding = i,
                                           .descriptorCount = 1,
                                           .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                           .pBufferInfo = &infos[i]};
    }
    vkUpdateDescriptorSets(rec->ctx->device, binding_count, writes, 0, NULL);
    order_accesses(rec, list, binding_count);
    vk_label_begin(rec, p->name);
    time_begin(rec, p->name, list, binding_count);
    vkCmdBindPipeline(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->handle);
    vkCmdBindDescriptorSets(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    if (push_size)
        vkCmdPushConstants(rec->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
    vkCmdDispatch(rec->cmd, groups_x, groups_y, groups_z);
    time_end(rec);
    vk_label_end(rec);
    rec->dispatch_count++;
}

void vk_copy(vk_recording *rec, const vk_binding *src, const vk_binding *dst)
{
    if (rec->status != MLAVK_OK || !check_binding(rec, "copy", src) || !check_binding(rec, "copy", dst))
        return;
    access list[2] = {to_access(src, false), to_access(dst, true)};
    VkDeviceSize size = list[0].end - list[0].start;
    if (list[1].end - list[1].start < size) {
        fail(rec, mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "copy: destination smaller than source"));
        return;
    }
    order_accesses(rec, list, 2);
    time_begin(rec, "copy", list, 2);
    VkBufferCopy region = {list[0].start, list[1].start, size};
    vkCmdCopyBuffer(rec->cmd, list[0].buffer, list[1].buffer, 1, &region);
    time_end(rec);
}

void vk_fill(vk_recording *rec, const vk_binding *dst, uint32_t value)
{
    if (rec->status != MLAVK_OK || !check_binding(rec, "fill", dst))
        return;
    access a = to_access(dst, true);
    order_accesses(rec, &a, 1);
    time_begin(rec, "fill", &a, 1);
    vkCmdFillBuffer(rec->cmd, a.buffer, a.start, (a.end - a.start) & ~(VkDeviceSize)3, value);
    time_end(rec);
}

void vk_label_begin(vk_recording *rec, const char *name)
{
    if (!vkCmdBeginDebugUtilsLabelEXT)
        return;
    VkDebugUtilsLabelEXT label = {.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_LABEL_EXT, .pLabelName = name};
    vkCmdBeginDebugUtilsLabelEXT(rec->cmd, &label);
}

void vk_label_end(vk_recording *rec)
{
    if (vkCmdEndDebugUtilsLabelEXT)
        vkCmdEndDebugUtilsLabelEXT(rec->cmd);
}

mlavk_status vk_recording_end(vk_recording *rec)
{
    /* Make every result visible to host reads once the fence signals. */
    VkMemoryBarrier barrier = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                               .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                               .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
    vkCmdPipelineBarrier(rec->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
    mlavk_status status = vk_result_status(vkEndCommandBuffer(rec->cmd), "vkEndCommandBuffer");
    return rec->status != MLAVK_OK ? rec->status : status;
}

mlavk_status vk_recording_submit(vk_recording *rec)
{
    if (rec->submitted)
        MLAVK_TRY(vk_recording_wait(rec));
    /* Writes from the host before this submit are made visible by the submission itself. */
    VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                           .pCommandBuffers = &rec->cmd};
    MLAVK_TRY(vk_result_status(vkResetFences(rec->ctx->device, 1, &rec->fence), "vkResetFences"));
    MLAVK_TRY(vk_result_status(vkQueueSubmit(rec->ctx->queue, 1, &submit, rec->fence), "vkQueueSubmit"));
    rec->submitted = true;
    return MLAVK_OK;
}

mlavk_status vk_recording_wait(vk_recording *rec)
{
    if (!rec->submitted)
        return MLAVK_OK;
    rec->submitted = false;
    return vk_result_status(vkWaitForFences(rec->ctx->device, 1, &rec->fence, VK_TRUE, UINT64_MAX),
                            "vkWaitForFences");
}

mlavk_status vk_recording_run(vk_recording *rec)
{
    MLAVK_TRY(vk_recording_submit(rec));
    return vk_recording_wait(rec);
}

uint32_t vk_recording_timings(vk_recording *rec, const vk_timing **timings)
{
    *timings = rec->timings;
    if (!rec->profile || rec->timed_count == 0 || rec->submitted)
        return 0;
    uint64_t *stamps = malloc(2 * rec->timed_count * sizeof *stamps);
    if (!stamps)
        return 0;
    VkResult result = vkGetQueryPoolResults(rec->ctx->device, rec->queries, 0, 2 * rec->timed_count,
                                            2 * rec->timed_count * sizeof *stamps, stamps, sizeof *stamps,
                                            VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    uint32_t n = result == VK_SUCCESS ? rec->timed_count : 0;
    double ns_per_tick = rec->ctx->info.timestamp_period_ns;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t ticks = stamps[2 * i + 1] > stamps[2 * i] ? stamps[2 * i + 1] - stamps[2 * i] : 0;
        uint64_t since = stamps[2 * i] > stamps[0] ? stamps[2 * i] - stamps[0] : 0;
        rec->timings[i] = rec->timed[i];
        rec->timings[i].start_ms = (double)since * ns_per_tick * 1e-6;
        rec->timings[i].ms = (double)ticks * ns_per_tick * 1e-6;
    }
    free(stamps);
    return n;
}

uint32_t vk_recording_dispatch_count(const vk_recording *rec) { return rec->dispatch_count; }
uint32_t vk_recording_barrier_count(const vk_recording *rec) { return rec->barrier_count; }

mlavk_status vk_copy_now(vk_context *ctx, const vk_binding *src, const vk_binding *dst)
{
    vk_recording *rec;
    MLAVK_TRY(vk_recording_create(ctx, &rec));
    mlavk_status status = vk_recording_begin(rec, false);
    if (status == MLAVK_OK) {
        vk_copy(rec, src, dst);
        status = vk_recording_end(rec);
    }
    if (status == MLAVK_OK)
        status = vk_recording_run(rec);
    vk_recording_destroy(rec);
    return status;
}
