#include "vk/vk_memory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/status.h"
#include "vk/vk_commands.h"

/* Blocks this large hold many small buffers; larger requests get a block of their own. */
#define DEFAULT_BLOCK_SIZE ((VkDeviceSize)256 << 20)
#define MAX_FREE_RANGES 256

typedef struct free_range {
    VkDeviceSize offset, size;
} free_range;

struct vk_block {
    vk_block *next;
    vk_memory_kind kind;
    VkDeviceMemory memory;
    VkBuffer buffer;
    VkDeviceSize size;
    void *mapped;
    uint32_t live;             /* allocations inside */
    uint32_t free_count;
    free_range free[MAX_FREE_RANGES];
};

struct vk_memory {
    vk_block *blocks;
    int32_t type_index[VK_MEMORY_KIND_COUNT];
    bool mapped[VK_MEMORY_KIND_COUNT];
    VkDeviceSize block_size;
    VkDeviceSize alignment;
    VkDeviceSize max_buffer;
    VkDeviceSize cap;          /* MLAVK_MEMORY_BUDGET: device memory this process may hold, 0 for no cap */
    vk_memory_usage usage;
};

/* "512MiB", "2G", "1073741824": bytes, with an optional K/M/G (binary) suffix; 0 when unset or unreadable. */
static VkDeviceSize parse_budget(const char *text)
{
    if (!text || !text[0])
        return 0;
    char *end;
    double value = strtod(text, &end);
    double scale = 1;
    if (*end == 'K' || *end == 'k')
        scale = 1024.0;
    else if (*end == 'M' || *end == 'm')
        scale = 1048576.0;
    else if (*end == 'G' || *end == 'g')
        scale = 1073741824.0;
    return value > 0 ? (VkDeviceSize)(value * scale) : 0;
}

static int32_t find_type(const VkPhysicalDeviceMemoryProperties *props, VkMemoryPropertyFlags required,
                         VkMemoryPropertyFlags preferred, VkDeviceSize min_heap)
{
    int32_t fallback = -1;
    for (uint32_t i = 0; i < props->memoryTypeCount; i++) {
        VkMemoryPropertyFlags flags = props->memoryTypes[i].propertyFlags;
        if ((flags & required) != required)
            continue;
        if (props->memoryHeaps[props->memoryTypes[i].heapIndex].size < min_heap)
            continue;
        if ((flags & preferred) == preferred)
            return (int32_t)i;
        if (fallback < 0)
            fallback = (int32_t)i;
    }
    return fallback;
}

static void choose_memory_types(vk_context *ctx, vk_memory *mem)
{
    VkPhysicalDeviceMemoryProperties props;
    vkGetPhysicalDeviceMemoryProperties(ctx->physical_device, &props);
    const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    /* Device-local memory the host can map, on a heap as large as the main one (UMA, resizable BAR), lets
     * uploads skip staging. A small BAR window does not qualify. */
    int32_t mappable_local = find_type(&props, local | host, 0, ctx->info.device_local_bytes);
    const char *force_staging = getenv("MLAVK_FORCE_STAGING"); /* lets tests cover the staging path on UMA */
    if (force_staging && force_staging[0] && strcmp(force_staging, "0") != 0)
        mappable_local = -1;
    mem->type_index[VK_MEMORY_DEVICE] = mappable_local >= 0 ? mappable_local : find_type(&props, local, 0, 0);
    mem->mapped[VK_MEMORY_DEVICE] = mappable_local >= 0;
    mem->type_index[VK_MEMORY_UPLOAD] = find_type(&props, host, 0, 0);
    mem->type_index[VK_MEMORY_READBACK] = find_type(&props, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT, 0);
    mem->mapped[VK_MEMORY_UPLOAD] = mem->mapped[VK_MEMORY_READBACK] = true;
}

mlavk_status vk_memory_create(vk_context *ctx, vk_memory **out)
{
    vk_memory *mem = calloc(1, sizeof *mem);
    if (!mem)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan memory: out of memory");
    choose_memory_types(ctx, mem);
    for (int k = 0; k < VK_MEMORY_KIND_COUNT; k++)
        if (mem->type_index[k] < 0) {
            free(mem);
            return mlavk_fail(MLAVK_ERR_NO_DEVICE, "%s offers no suitable memory type", ctx->info.name);
        }
    mem->max_buffer = ctx->info.max_storage_buffer_range;
    if (ctx->info.max_allocation_size && ctx->info.max_allocation_size < mem->max_buffer)
        mem->max_buffer = ctx->info.max_allocation_size;
    mem->block_size = DEFAULT_BLOCK_SIZE < mem->max_buffer ? DEFAULT_BLOCK_SIZE : mem->max_buffer;
    mem->cap = parse_budget(getenv("MLAVK_MEMORY_BUDGET"));
    mem->alignment = ctx->info.min_storage_buffer_offset_alignment;
    if (mem->alignment < 256)
        mem->alignment = 256; /* also keeps every buffer 16-byte aligned for vec4 loads */
    *out = mem;
    return MLAVK_OK;
}

static void free_block(vk_context *ctx, vk_memory *mem, vk_block *block)
{
    if (block->buffer)
        vkDestroyBuffer(ctx->device, block->buffer, NULL);
    if (block->memory)
        vkFreeMemory(ctx->device, block->memory, NULL);
    mem->usage.reserved -= block->memory ? block->size : 0;
    free(block);
}

void vk_memory_destroy(vk_context *ctx, vk_memory *mem)
{
    if (!mem)
        return;
    while (mem->blocks) {
        vk_block *next = mem->blocks->next;
        free_block(ctx, mem, mem->blocks);
        mem->blocks = next;
    }
    free(mem);
}

VkDeviceSize vk_memory_max_buffer_size(const vk_context *ctx) { return ctx->memory->max_buffer; }

static VkDeviceSize align_up(VkDeviceSize value, VkDeviceSize alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

static mlavk_status new_block(vk_context *ctx, vk_memory *mem, vk_memory_kind kind, VkDeviceSize size,
                              const char *label, vk_block **out)
{
    if (mem->cap && kind == VK_MEMORY_DEVICE && mem->usage.reserved + size > mem->cap)
        return mlavk_fail(MLAVK_ERR_OUT_OF_DEVICE_MEMORY,
                          "%s: %.1f MiB more would exceed MLAVK_MEMORY_BUDGET (%.1f of %.1f MiB held)", label,
                          (double)size / 1048576.0, (double)mem->usage.reserved / 1048576.0,
                          (double)mem->cap / 1048576.0);
    vk_block *block = calloc(1, sizeof *block);
    if (!block)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "vulkan memory: out of memory");
    block->kind = kind;
    block->size = size;
    VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                               .size = size,
                               .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                        VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                               .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    mlavk_status status = vk_result_status(vkCreateBuffer(ctx->device, &info, NULL, &block->buffer), "vkCreateBuffer");
    VkMemoryRequirements req = {0};
    if (status == MLAVK_OK) {
        vkGetBufferMemoryRequirements(ctx->device, block->buffer, &req);
        if (!(req.memoryTypeBits & (1u << mem->type_index[kind])))
            status = mlavk_fail(MLAVK_ERR_VULKAN, "%s: buffer cannot live in the chosen memory type", label);
    }
    if (status == MLAVK_OK) {
        VkMemoryAllocateInfo alloc = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                      .allocationSize = req.size,
                                      .memoryTypeIndex = (uint32_t)mem->type_index[kind]};
        VkResult result = vkAllocateMemory(ctx->device, &alloc, NULL, &block->memory);
        if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
            status = mlavk_fail(MLAVK_ERR_OUT_OF_DEVICE_MEMORY,
                                "%s: out of device memory allocating %.1f MiB (%.1f MiB already held) on %s", label,
                                (double)req.size / 1048576.0, (double)mem->usage.reserved / 1048576.0,
                                ctx->info.name);
        else
            status = vk_result_status(result, "vkAllocateMemory");
    }
    if (status == MLAVK_OK)
        status = vk_result_status(vkBindBufferMemory(ctx->device, block->buffer, block->memory, 0),
                                  "vkBindBufferMemory");
    if (status == MLAVK_OK && mem->mapped[kind])
        status = vk_result_status(vkMapMemory(ctx->device, block->memory, 0, VK_WHOLE_SIZE, 0, &block->mapped),
                                  "vkMapMemory");
    if (status != MLAVK_OK) {
        free_block(ctx, mem, block);
        return status;
    }
    mem->usage.reserved += size;
    block->free_count = 1;
    block->free[0] = (free_range){0, size};
    block->next = mem->blocks;
    mem->blocks = block;
    *out = block;
    return MLAVK_OK;
}

/* First fit; returns false when no free range holds size bytes at the alignment. */
static bool carve(vk_block *block, VkDeviceSize size, VkDeviceSize alignment, VkDeviceSize *offset)
{
    for (uint32_t i = 0; i < block->free_count; i++) {
        free_range *r = &block->free[i];
        VkDeviceSize start = align_up(r->offset, alignment);
        if (start + size > r->offset + r->size)
            continue;
        VkDeviceSize end = start + size;
        VkDeviceSize tail = r->offset + r->size - end;
        bool head = start > r->offset;
        if (head && tail > 0 && block->free_count == MAX_FREE_RANGES)
            continue;
        if (head && tail > 0) {
            memmove(&block->free[i + 2], &block->free[i + 1], (block->free_count - i - 1) * sizeof *r);
            block->free[i + 1] = (free_range){end, tail};
            r->size = start - r->offset;
            block->free_count++;
        } else if (head) {
            r->size = start - r->offset;
        } else if (tail > 0) {
            *r = (free_range){end, tail};
        } else {
            memmove(r, r + 1, (block->free_count - i - 1) * sizeof *r);
            block->free_count--;
        }
        *offset = start;
        return true;
    }
    return false;
}

static void release(vk_block *block, VkDeviceSize offset, VkDeviceSize size)
{
    uint32_t i = 0;
    while (i < block->free_count && block->free[i].offset < offset)
        i++;
    bool joins_prev = i > 0 && block->free[i - 1].offset + block->free[i - 1].size == offset;
    bool joins_next = i < block->free_count && offset + size == block->free[i].offset;
    if (joins_prev && joins_next) {
        block->free[i - 1].size += size + block->free[i].size;
        memmove(&block->free[i], &block->free[i + 1], (block->free_count - i - 1) * sizeof(free_range));
        block->free_count--;
    } else if (joins_prev) {
        block->free[i - 1].size += size;
    } else if (joins_next) {
        block->free[i].offset = offset;
        block->free[i].size += size;
    } else {
        /* The table only fills when a block is badly fragmented; losing the range then costs memory, not
         * correctness, and it comes back when the block empties. */
        if (block->free_count == MAX_FREE_RANGES)
            return;
        memmove(&block->free[i + 1], &block->free[i], (block->free_count - i) * sizeof(free_range));
        block->free[i] = (free_range){offset, size};
        block->free_count++;
    }
}

mlavk_status vk_buffer_create(vk_context *ctx, VkDeviceSize size, vk_memory_kind kind, const char *label,
                              vk_buffer *out)
{
    vk_memory *mem = ctx->memory;
    memset(out, 0, sizeof *out);
    if (size == 0)
        size = 4;
    size = align_up(size, 4);
    if (size > mem->max_buffer)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED,
                          "%s: %.1f MiB is larger than the largest buffer %s can bind (%.1f MiB)", label,
                          (double)size / 1048576.0, ctx->info.name, (double)mem->max_buffer / 1048576.0);
    VkDeviceSize offset = 0;
    vk_block *block = mem->blocks;
    for (; block; block = block->next)
        if (block->kind == kind && carve(block, size, mem->alignment, &offset))
            break;
    if (!block) {
        VkDeviceSize block_size = size > mem->block_size ? size : mem->block_size;
        /* Small staging and readback needs do not deserve a full block. */
        if (kind != VK_MEMORY_DEVICE && size < mem->block_size / 8)
            block_size = mem->block_size / 8;
        mlavk_status status = new_block(ctx, mem, kind, block_size, label, &block);
        if (status == MLAVK_ERR_OUT_OF_DEVICE_MEMORY && block_size > size)
            status = new_block(ctx, mem, kind, size, label, &block);
        MLAVK_TRY(status);
        carve(block, size, mem->alignment, &offset);
    }
    block->live++;
    mem->usage.allocated[kind] += size;
    *out = (vk_buffer){.handle = block->buffer,
                       .offset = offset,
                       .size = size,
                       .mapped = block->mapped ? (char *)block->mapped + offset : NULL,
                       .block = block};
    if (vkSetDebugUtilsObjectNameEXT && block->live == 1) {
        VkDebugUtilsObjectNameInfoEXT name = {.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT,
                                              .objectType = VK_OBJECT_TYPE_BUFFER,
                                              .objectHandle = (uint64_t)block->buffer,
                                              .pObjectName = label};
        vkSetDebugUtilsObjectNameEXT(ctx->device, &name);
    }
    return MLAVK_OK;
}

void vk_buffer_destroy(vk_context *ctx, vk_buffer *buffer)
{
    if (!buffer->block)
        return;
    vk_memory *mem = ctx->memory;
    vk_block *block = buffer->block;
    release(block, buffer->offset, buffer->size);
    mem->usage.allocated[block->kind] -= buffer->size;
    if (--block->live == 0) {
        /* Give empty blocks back so long-running programs do not hoard device memory. */
        vk_block **link = &mem->blocks;
        while (*link != block)
            link = &(*link)->next;
        *link = block->next;
        free_block(ctx, mem, block);
    }
    memset(buffer, 0, sizeof *buffer);
}

void vk_memory_get_usage(vk_context *ctx, vk_memory_usage *usage)
{
    *usage = ctx->memory->usage;
    if (ctx->info.has_memory_budget) {
        VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
        VkPhysicalDeviceMemoryProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
                                                   .pNext = &budget};
        vkGetPhysicalDeviceMemoryProperties2(ctx->physical_device, &props);
        uint32_t heap = props.memoryProperties.memoryTypes[ctx->memory->type_index[VK_MEMORY_DEVICE]].heapIndex;
        VkDeviceSize used = budget.heapUsage[heap];
        usage->device_budget = budget.heapBudget[heap] > used ? budget.heapBudget[heap] - used : 0;
    }
    VkDeviceSize capped = ctx->memory->cap > usage->reserved ? ctx->memory->cap - usage->reserved : 0;
    if (ctx->memory->cap && (!usage->device_budget || capped < usage->device_budget))
        usage->device_budget = capped;
}

static mlavk_status staged_copy(vk_context *ctx, const vk_buffer *device, VkDeviceSize offset, void *host,
                                VkDeviceSize size, bool to_device)
{
    const VkDeviceSize chunk_max = (VkDeviceSize)16 << 20;
    VkDeviceSize chunk = size < chunk_max ? size : chunk_max;
    vk_buffer staging;
    MLAVK_TRY(vk_buffer_create(ctx, chunk, to_device ? VK_MEMORY_UPLOAD : VK_MEMORY_READBACK, "staging", &staging));
    mlavk_status status = MLAVK_OK;
    for (VkDeviceSize done = 0; done < size && status == MLAVK_OK; done += chunk) {
        VkDeviceSize n = size - done < chunk ? size - done : chunk;
        if (to_device)
            memcpy(staging.mapped, (char *)host + done, n);
        vk_binding from = {&staging, 0, n}, into = {device, offset + done, n};
        status = to_device ? vk_copy_now(ctx, &from, &into) : vk_copy_now(ctx, &into, &from);
        if (status == MLAVK_OK && !to_device)
            memcpy((char *)host + done, staging.mapped, n);
    }
    vk_buffer_destroy(ctx, &staging);
    return status;
}

static mlavk_status check_range(const vk_buffer *buffer, VkDeviceSize offset, VkDeviceSize size)
{
    if (offset > buffer->size || size > buffer->size - offset)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transfer of %llu bytes at %llu exceeds a %llu-byte buffer",
                          (unsigned long long)size, (unsigned long long)offset, (unsigned long long)buffer->size);
    return MLAVK_OK;
}

mlavk_status vk_buffer_write(vk_context *ctx, const vk_buffer *dst, VkDeviceSize offset, const void *src,
                             VkDeviceSize size)
{
    MLAVK_TRY(check_range(dst, offset, size));
    if (dst->mapped) {
        memcpy((char *)dst->mapped + offset, src, size);
        return MLAVK_OK;
    }
    return staged_copy(ctx, dst, offset, (void *)src, size, true);
}

mlavk_status vk_buffer_read(vk_context *ctx, const vk_buffer *src, VkDeviceSize offset, void *dst,
                            VkDeviceSize size)
{
    MLAVK_TRY(check_range(src, offset, size));
    if (src->mapped) {
        memcpy(dst, (char *)src->mapped + offset, size);
        return MLAVK_OK;
    }
    return staged_copy(ctx, src, offset, dst, size, false);
}
