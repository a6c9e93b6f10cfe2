/* Push-constant structs, one per op, shared verbatim by GLSL and C (runtime/ops/ops_push.h includes this file
 * with `uint` mapped to uint32_t, and checks each size statically). Only 4-byte scalars, so std430 and C agree. */
#ifndef MLAVK_PUSH_CONSTANTS_H
#define MLAVK_PUSH_CONSTANTS_H

/* out[i] = a[i] + b[i] */
struct push_add {
    uint n;
};

#endif
