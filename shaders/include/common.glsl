/* Included first by every shader: extensions and the specialization constants shared by all. */

/* Specialization constants 0-2 are the workgroup size (vk_pipeline_desc.local_size). */
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#include "push_constants.h"
