#version 450
#extension GL_GOOGLE_include_directive : require
/* One invocation per element: SILU_MUL out = silu(a) * b, SCALE out = alpha * a, SIGMOID out = 1 / (1 + e^-a).
 * The ops with one input still bind b (the same buffer as a), so all variants share one layout. */
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Push { push_elementwise p; };

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.n)
        return;
    float v = a[i];
#if defined(SILU_MUL)
    result[i] = v / (1.0 + exp(-v)) * b[i];
#elif defined(SCALE)
    result[i] = p.alpha * v;
#elif defined(SIGMOID)
    result[i] = 1.0 / (1.0 + exp(-v));
#else
#error "elementwise.comp: define SILU_MUL, SCALE or SIGMOID"
#endif
}
