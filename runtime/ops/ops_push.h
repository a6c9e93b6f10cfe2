/* The push-constant structs of shaders/include/push_constants.h seen from C, with their sizes checked. */
#ifndef MLAVK_OPS_PUSH_H
#define MLAVK_OPS_PUSH_H

#include <stdint.h>

#define uint uint32_t
#include "push_constants.h"
#undef uint

#define PUSH_SIZE_CHECK(type, bytes) _Static_assert(sizeof(struct type) == (bytes), #type " size changed")
PUSH_SIZE_CHECK(push_add, 8);
PUSH_SIZE_CHECK(push_mla_attention, 40);
PUSH_SIZE_CHECK(push_mla_reduce, 12);
PUSH_SIZE_CHECK(push_attention_expanded, 64);
PUSH_SIZE_CHECK(push_kv_store, 12);
PUSH_SIZE_CHECK(push_kv_gather, 16);
PUSH_SIZE_CHECK(push_moe_route, 28);
PUSH_SIZE_CHECK(push_moe_combine, 12);
PUSH_SIZE_CHECK(push_matmul, 56);
PUSH_SIZE_CHECK(push_moe_group, 12);
PUSH_SIZE_CHECK(push_rmsnorm, 24);
PUSH_SIZE_CHECK(push_rope, 28);
PUSH_SIZE_CHECK(push_attn_temperature, 24);
PUSH_SIZE_CHECK(push_softmax, 36);
PUSH_SIZE_CHECK(push_elementwise, 8);
PUSH_SIZE_CHECK(push_get_rows, 28);
PUSH_SIZE_CHECK(push_argmax, 12);
PUSH_SIZE_CHECK(push_topk, 16);

/* What the shaders' fixed sizes (push_constants.h) must satisfy for the shaders to cover their work. */
_Static_assert(MLA_ATTENTION_QUERIES % 2 == 0 && MLA_ATTENTION_TILE * (MLA_ATTENTION_QUERIES / 2) <=
                   MLA_ATTENTION_LOCAL_SIZE,
               "mla_attention: an invocation for every two (row, query) pairs of a tile");
_Static_assert(MLA_ATTENTION_MAX_LATENT % MLA_ATTENTION_LOCAL_SIZE == 0,
               "mla_attention: whole latent columns per invocation");
_Static_assert(ATTENTION_EXPANDED_TOKENS % 2 == 0 &&
                   ATTENTION_EXPANDED_TILE * (ATTENTION_EXPANDED_TOKENS / 2) == ATTENTION_EXPANDED_LOCAL_SIZE,
               "attention_expanded: exactly one invocation for every two (key, token) pairs of a tile");
_Static_assert(ATTENTION_EXPANDED_LOCAL_SIZE % ATTENTION_EXPANDED_VALUE_THREADS == 0 &&
                   ATTENTION_EXPANDED_TOKENS % (ATTENTION_EXPANDED_LOCAL_SIZE / ATTENTION_EXPANDED_VALUE_THREADS) == 0,
               "attention_expanded: the value groups share the tokens out evenly");
_Static_assert(ATTENTION_EXPANDED_MAX_VALUE % ATTENTION_EXPANDED_VALUE_THREADS == 0,
               "attention_expanded: whole value columns per invocation");
_Static_assert((MOE_ROUTE_MAX_EXPERTS & (MOE_ROUTE_MAX_EXPERTS - 1)) == 0,
               "moe_route: its tree reductions halve the workgroup, one invocation per expert");
_Static_assert(MOE_ROUTE_MAX_GROUPS <= MOE_ROUTE_MAX_EXPERTS, "moe_route: invocation g scores group g");

#endif
