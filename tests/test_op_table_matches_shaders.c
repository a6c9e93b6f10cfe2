/* op_table (runtime/ops/ops.c) against the SPIR-V it builds pipelines from: for every op and each of its modules
 * (subgroup and shared-memory variants), the descriptor bindings the shader declares are exactly 0 ..
 * binding_count - 1 of set 0; a binding is in write_mask exactly when the shader may write it (a binding is
 * read-only only when every block aliasing it is NonWritable, on the variable or on all of its block's members); a
 * binding left writable is written by some instruction (else it should be readonly: a needless write bit costs
 * barriers); and the push-constant block is push_size bytes. vk_dispatch places barriers from write_mask, so a
 * missing bit is a race that lavapipe may never show. The modules' words are read by a walker of this test's own;
 * no Vulkan is needed. */
#include <stdio.h>
#include <stdlib.h>

#include "ops/ops_internal.h"
#include "test_util.h"

/* The few SPIR-V opcodes, storage classes and decorations the walker needs (SPIR-V specification, section 3). */
enum {
    SPV_MAGIC = 0x07230203u,
    SPV_OP_TYPE_INT = 21,
    SPV_OP_TYPE_FLOAT = 22,
    SPV_OP_TYPE_VECTOR = 23,
    SPV_OP_TYPE_ARRAY = 28,
    SPV_OP_TYPE_STRUCT = 30,
    SPV_OP_TYPE_POINTER = 32,
    SPV_OP_CONSTANT = 43,
    SPV_OP_VARIABLE = 59,
    SPV_OP_STORE = 62,
    SPV_OP_COPY_MEMORY = 63,
    SPV_OP_ACCESS_CHAIN = 65,
    SPV_OP_IN_BOUNDS_ACCESS_CHAIN = 66,
    SPV_OP_PTR_ACCESS_CHAIN = 67,
    SPV_OP_IN_BOUNDS_PTR_ACCESS_CHAIN = 70,
    SPV_OP_DECORATE = 71,
    SPV_OP_MEMBER_DECORATE = 72,
    SPV_OP_ATOMIC_STORE = 228,
    SPV_OP_ATOMIC_EXCHANGE = 229, /* .. SPV_OP_ATOMIC_XOR: read-modify-writes, pointer at word 3 */
    SPV_OP_ATOMIC_XOR = 242,
    SPV_OP_ATOMIC_FMIN_EXT = 5614,
    SPV_OP_ATOMIC_FMAX_EXT = 5615,
    SPV_OP_ATOMIC_FADD_EXT = 6035,
    SPV_STORAGE_UNIFORM = 2,
    SPV_STORAGE_PUSH_CONSTANT = 9,
    SPV_STORAGE_STORAGE_BUFFER = 12,
    SPV_DECO_BLOCK = 2,
    SPV_DECO_ARRAY_STRIDE = 6,
    SPV_DECO_NON_WRITABLE = 24,
    SPV_DECO_NON_READABLE = 25,
    SPV_DECO_BINDING = 33,
    SPV_DECO_DESCRIPTOR_SET = 34,
    SPV_DECO_OFFSET = 35,
};

#define NO_MEMBER UINT32_MAX
#define MAX_BINDINGS 32

typedef struct module_view {
    const char *name;
    const uint32_t *w;
    size_t n;
    uint32_t bound;
    size_t *def;   /* [bound]: word index of the instruction defining each id (0: none) */
} module_view;

/* The word index of the instruction with `opcode` whose word `at` is `id`, from `start`; 0 when none is left. */
static size_t find_op(const module_view *m, size_t start, uint32_t opcode, size_t at, uint32_t id)
{
    for (size_t i = start; i < m->n; i += m->w[i] >> 16)
        if ((m->w[i] & 0xffffu) == opcode && (m->w[i] >> 16) > at && m->w[i + at] == id)
            return i;
    return 0;
}

/* Whether `target` (member `member`, or the id itself for NO_MEMBER) carries `decoration`; its first literal goes to
 * *value when there is one. */
static bool decorated(const module_view *m, uint32_t target, uint32_t member, uint32_t decoration, uint32_t *value)
{
    uint32_t op = member == NO_MEMBER ? SPV_OP_DECORATE : SPV_OP_MEMBER_DECORATE;
    uint32_t at = member == NO_MEMBER ? 2 : 3; /* word of the decoration */
    for (size_t i = find_op(m, 5, op, 1, target); i; i = find_op(m, i + (m->w[i] >> 16), op, 1, target)) {
        uint32_t words = m->w[i] >> 16;
        if (words > at && (member == NO_MEMBER || m->w[i + 2] == member) && m->w[i + at] == decoration) {
            if (value && words > at + 1)
                *value = m->w[i + at + 1];
            return true;
        }
    }
    return false;
}

static bool load_module(const mlavk_spirv *spv, module_view *m)
{
    *m = (module_view){.name = spv->name, .w = spv->code, .n = spv->size_bytes / 4};
    CHECK_MSG(m->n > 5 && m->w[0] == SPV_MAGIC, "%s: not a SPIR-V module", spv->name);
    if (m->n <= 5 || m->w[0] != SPV_MAGIC)
        return false;
    m->bound = m->w[3];
    m->def = calloc(m->bound, sizeof *m->def);
    CHECK(m->def != NULL);
    if (!m->def)
        return false;
    size_t i = 5;
    while (i < m->n) {
        uint32_t words = m->w[i] >> 16, op = m->w[i] & 0xffffu;
        CHECK_MSG(words > 0 && i + words <= m->n, "%s: instruction at word %zu overruns the module", m->name, i);
        if (words == 0 || i + words > m->n) {
            free(m->def);
            return false;
        }
        /* types define word 1; constants and variables (result type first) word 2 */
        uint32_t result_at = (op >= SPV_OP_TYPE_INT && op <= SPV_OP_TYPE_POINTER) ? 1
                             : (op == SPV_OP_CONSTANT || op == SPV_OP_VARIABLE) ? 2 : 0;
        if (result_at && words > result_at && m->w[i + result_at] < m->bound)
            m->def[m->w[i + result_at]] = i;
        i += words;
    }
    return true;
}

/* The word index defining `id` as an instruction of `opcode`, or 0. */
static size_t def_of(const module_view *m, uint32_t id, uint32_t opcode)
{
    size_t i = id < m->bound ? m->def[id] : 0;
    return i && (m->w[i] & 0xffffu) == opcode ? i : 0;
}

/* Bytes a type takes in an explicitly laid-out block: scalars, vectors, arrays with ArrayStride, and structs to the
 * end of their last member. 0 when the walker cannot size it. */
static uint32_t type_size(const module_view *m, uint32_t id)
{
    size_t i = id < m->bound ? m->def[id] : 0;
    if (!i)
        return 0;
    uint32_t op = m->w[i] & 0xffffu, words = m->w[i] >> 16;
    switch (op) {
    case SPV_OP_TYPE_INT:
    case SPV_OP_TYPE_FLOAT:
        return m->w[i + 2] / 8;
    case SPV_OP_TYPE_VECTOR:
        return type_size(m, m->w[i + 2]) * m->w[i + 3];
    case SPV_OP_TYPE_ARRAY: {
        uint32_t stride = 0;
        size_t length = def_of(m, m->w[i + 3], SPV_OP_CONSTANT);
        if (!length || !decorated(m, id, NO_MEMBER, SPV_DECO_ARRAY_STRIDE, &stride))
            return 0;
        return stride * m->w[length + 3];
    }
    case SPV_OP_TYPE_STRUCT: {
        uint32_t end = 0;
        for (uint32_t k = 0; k + 2 < words; k++) {
            uint32_t offset = 0, size = type_size(m, m->w[i + 2 + k]);
            if (!size || !decorated(m, id, k, SPV_DECO_OFFSET, &offset))
                return 0;
            if (offset + size > end)
                end = offset + size;
        }
        return end;
    }
    default:
        return 0;
    }
}

/* Whether the block behind variable `var` (of struct type `block`) carries `decoration` on the variable or on every
 * member of the block. */
static bool block_is(const module_view *m, uint32_t var, uint32_t block, uint32_t decoration)
{
    if (decorated(m, var, NO_MEMBER, decoration, NULL))
        return true;
    size_t s = def_of(m, block, SPV_OP_TYPE_STRUCT);
    uint32_t members = s ? (m->w[s] >> 16) - 2 : 0;
    for (uint32_t k = 0; k < members; k++)
        if (!decorated(m, block, k, decoration, NULL))
            return false;
    return members > 0;
}

/* The variables some instruction writes through a pointer into them: stores, memory copies and atomics, through any
 * chain of access chains. *written is a [bound] array of flags, one per variable id. */
static bool *written_variables(const module_view *m)
{
    uint32_t *root = calloc(m->bound, sizeof *root); /* pointer id -> the variable it points into */
    bool *written = calloc(m->bound, sizeof *written);
    CHECK(root && written);
    if (!root || !written) {
        free(root);
        free(written);
        return NULL;
    }
    for (size_t i = 5; i < m->n; i += m->w[i] >> 16) {
        uint32_t op = m->w[i] & 0xffffu, words = m->w[i] >> 16;
        uint32_t pointer = 0;
        if (op == SPV_OP_VARIABLE && words >= 4 && m->w[i + 2] < m->bound)
            root[m->w[i + 2]] = m->w[i + 2];
        else if ((op == SPV_OP_ACCESS_CHAIN || op == SPV_OP_IN_BOUNDS_ACCESS_CHAIN || op == SPV_OP_PTR_ACCESS_CHAIN ||
                  op == SPV_OP_IN_BOUNDS_PTR_ACCESS_CHAIN) && words >= 4 && m->w[i + 2] < m->bound &&
                 m->w[i + 3] < m->bound)
            root[m->w[i + 2]] = root[m->w[i + 3]];
        else if ((op == SPV_OP_STORE || op == SPV_OP_COPY_MEMORY || op == SPV_OP_ATOMIC_STORE) && words >= 3)
            pointer = m->w[i + 1];
        else if (((op >= SPV_OP_ATOMIC_EXCHANGE && op <= SPV_OP_ATOMIC_XOR) || op == SPV_OP_ATOMIC_FMIN_EXT ||
                  op == SPV_OP_ATOMIC_FMAX_EXT || op == SPV_OP_ATOMIC_FADD_EXT) && words >= 4)
            pointer = m->w[i + 3];
        if (pointer && pointer < m->bound && root[pointer])
            written[root[pointer]] = true;
    }
    free(root);
    return written;
}

/* What a module declares: the bindings of set 0, those that some alias may write and those some instruction
 * writes, and the push-constant bytes. */
typedef struct declarations {
    uint32_t bindings;
    uint32_t writable;
    uint32_t stored;
    uint32_t push_size;
    uint32_t push_blocks;
} declarations;

static declarations declared(const module_view *m)
{
    declarations d = {0};
    bool *written = written_variables(m);
    if (!written)
        return d;
    for (size_t i = 5; i < m->n; i += m->w[i] >> 16) {
        if ((m->w[i] & 0xffffu) != SPV_OP_VARIABLE || (m->w[i] >> 16) < 4)
            continue;
        uint32_t var = m->w[i + 2], storage = m->w[i + 3];
        if (storage != SPV_STORAGE_UNIFORM && storage != SPV_STORAGE_STORAGE_BUFFER &&
            storage != SPV_STORAGE_PUSH_CONSTANT)
            continue;
        size_t ptr = def_of(m, m->w[i + 1], SPV_OP_TYPE_POINTER);
        uint32_t block = ptr ? m->w[ptr + 3] : 0;
        CHECK_MSG(def_of(m, block, SPV_OP_TYPE_STRUCT), "%s: variable %%%u is not a pointer to a block", m->name,
                  var);
        if (storage == SPV_STORAGE_PUSH_CONSTANT) {
            d.push_blocks++;
            d.push_size = type_size(m, block);
            CHECK_MSG(d.push_size > 0, "%s: cannot size the push-constant block", m->name);
            continue;
        }
        uint32_t binding = 0, set = 0;
        CHECK_MSG(decorated(m, var, NO_MEMBER, SPV_DECO_BINDING, &binding) && binding < MAX_BINDINGS,
                  "%s: buffer %%%u has no binding below %d", m->name, var, MAX_BINDINGS);
        CHECK_MSG(decorated(m, var, NO_MEMBER, SPV_DECO_DESCRIPTOR_SET, &set) && set == 0,
                  "%s: binding %u is not in descriptor set 0", m->name, binding);
        if (binding >= MAX_BINDINGS)
            continue;
        /* a uniform block (Uniform storage, Block) cannot be written; a storage block can unless NonWritable */
        bool uniform_block = storage == SPV_STORAGE_UNIFORM && decorated(m, block, NO_MEMBER, SPV_DECO_BLOCK, NULL);
        bool readonly = uniform_block || block_is(m, var, block, SPV_DECO_NON_WRITABLE);
        CHECK_MSG(!(readonly && block_is(m, var, block, SPV_DECO_NON_READABLE)),
                  "%s: binding %u is declared both readonly and writeonly", m->name, binding);
        d.bindings |= 1u << binding;
        if (!readonly)
            d.writable |= 1u << binding; /* some alias may write it */
        if (written[var])
            d.stored |= 1u << binding;
    }
    free(written);
    return d;
}

static void check_module(const op_desc *op, const mlavk_spirv *spv)
{
    module_view m;
    if (!load_module(spv, &m))
        return;
    declarations d = declared(&m);
    uint32_t expected = op->binding_count >= MAX_BINDINGS ? UINT32_MAX : (1u << op->binding_count) - 1u;
    CHECK_MSG(d.bindings == expected, "op %s, module %s: shader declares bindings 0x%x, op_table has %u (0x%x)",
              op->name, m.name, d.bindings, op->binding_count, expected);
    CHECK_MSG(d.writable == op->write_mask,
              "op %s, module %s: shader may write bindings 0x%x (not readonly), op_table write_mask is 0x%x",
              op->name, m.name, d.writable, op->write_mask);
    /* a writable buffer nothing writes costs barriers for nothing: it should be declared readonly */
    CHECK_MSG((d.writable & ~d.stored) == 0,
              "op %s, module %s: bindings 0x%x are not readonly but nothing in the shader writes them",
              op->name, m.name, d.writable & ~d.stored);
    CHECK_MSG(d.push_blocks <= 1, "op %s, module %s: %u push-constant blocks", op->name, m.name, d.push_blocks);
    CHECK_MSG(d.push_size == op->push_size, "op %s, module %s: push-constant block of %u bytes, op_table has %u",
              op->name, m.name, d.push_size, op->push_size);
    free(m.def);
}

int main(void)
{
    unsigned modules = 0;
    for (int id = 0; id < OP_COUNT; id++) {
        const op_desc *op = ops_desc((op_id)id);
        CHECK_MSG(op->name && op->module, "op id %d has no op_table entry", id);
        if (!op->name || !op->module)
            continue;
        check_module(op, op->module);
        modules++;
        if (op->subgroup_module) {
            check_module(op, op->subgroup_module);
            modules++;
        }
    }
    printf("checked %u modules of %d ops\n", modules, (int)OP_COUNT);
    return test_finish("op_table_write_masks_match_each_shaders_declarations");
}
