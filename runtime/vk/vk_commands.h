/* Command recording: dispatches with automatic hazard barriers, optional timestamps and debug labels,
 * recorded once and submitted as often as needed. */
#ifndef MLAVK_VK_COMMANDS_H
#define MLAVK_VK_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "vk/vk_memory.h"
#include "vk/vk_pipeline.h"

/* A range of a buffer bound to one shader binding; size 0 means "to the end of the buffer". */
typedef struct vk_binding {
    const vk_buffer *buffer;
    VkDeviceSize offset;
    VkDeviceSize size;
} vk_binding;

typedef struct vk_timing {
    const char *label;   /* pipeline name, or "copy" / "fill" */
    double start_ms;     /* from the first timed command of the recording */
    double ms;
    double bytes;        /* moved, as the op estimated it (vk_set_cost), else the bound ranges */
    double flops;        /* floating-point operations, when the op said (vk_set_cost) */
} vk_timing;

typedef struct vk_recording vk_recording;

mlavk_status vk_recording_create(vk_context *ctx, vk_recording **out);
void vk_recording_destroy(vk_recording *rec);

/* Starts a new recording, dropping the previous one. profile: a timestamp pair around each command. */
mlavk_status vk_recording_begin(vk_recording *rec, bool profile);

/* Records a dispatch. The binding count and push size must match the pipeline's; a mismatch is a programming
 * error that vk_recording_end reports. A barrier is inserted first only if this dispatch reads or writes a
 * range that an earlier command since the last barrier wrote, or writes a range one of them read. */
void vk_dispatch(vk_recording *rec, const vk_pipeline *pipeline, const vk_binding *bindings, uint32_t binding_count,
                 const void *push, uint32_t push_size, uint32_t groups_x, uint32_t groups_y, uint32_t groups_z);
void vk_copy(vk_recording *rec, const vk_binding *src, const vk_binding *dst);

/* The bytes and floating-point operations of the next dispatch, for profiles (without it: the bytes of the
 * bound ranges and no flops). */
void vk_set_cost(vk_recording *rec, double bytes, double flops);
void vk_fill(vk_recording *rec, const vk_binding *dst, uint32_t value);

/* Named regions ("layer 3") for RenderDoc / RGP / Nsight, when VK_EXT_debug_utils is on. */
void vk_label_begin(vk_recording *rec, const char *name);
void vk_label_end(vk_recording *rec);

/* Ends recording; returns the first error seen while recording. */
mlavk_status vk_recording_end(vk_recording *rec);
mlavk_status vk_recording_submit(vk_recording *rec);
mlavk_status vk_recording_wait(vk_recording *rec);
/* submit + wait */
mlavk_status vk_recording_run(vk_recording *rec);

/* After a profiled run has completed: one entry per command, in recording order. */
uint32_t vk_recording_timings(vk_recording *rec, const vk_timing **timings);
uint32_t vk_recording_dispatch_count(const vk_recording *rec);
uint32_t vk_recording_barrier_count(const vk_recording *rec);

/* One copy, submitted and waited for (staging transfers). */
mlavk_status vk_copy_now(vk_context *ctx, const vk_binding *src, const vk_binding *dst);

#endif
