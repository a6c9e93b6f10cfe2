/* The push-constant structs of shaders/include/push_constants.h seen from C, with their sizes checked. */
#ifndef MLAVK_OPS_PUSH_H
#define MLAVK_OPS_PUSH_H

#include <stdint.h>

#define uint uint32_t
#include "push_constants.h"
#undef uint

#define PUSH_SIZE_CHECK(type, bytes) _Static_assert(sizeof(struct type) == (bytes), #type " size changed")
PUSH_SIZE_CHECK(push_add, 4);
PUSH_SIZE_CHECK(push_mla_attention, 32);
PUSH_SIZE_CHECK(push_mla_reduce, 12);
PUSH_SIZE_CHECK(push_attention_expanded, 64);
PUSH_SIZE_CHECK(push_kv_store, 8);
PUSH_SIZE_CHECK(push_moe_route, 28);
PUSH_SIZE_CHECK(push_moe_combine, 12);
PUSH_SIZE_CHECK(push_matmul, 56);
PUSH_SIZE_CHECK(push_moe_group, 12);
PUSH_SIZE_CHECK(push_rmsnorm, 24);
PUSH_SIZE_CHECK(push_rope, 28);
PUSH_SIZE_CHECK(push_softmax, 36);
PUSH_SIZE_CHECK(push_elementwise, 8);
PUSH_SIZE_CHECK(push_get_rows, 28);
PUSH_SIZE_CHECK(push_argmax, 12);
PUSH_SIZE_CHECK(push_topk, 16);

#endif
