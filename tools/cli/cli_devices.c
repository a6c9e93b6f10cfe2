#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_report(mlavk_status status)
{
    const char *detail = mlavk_last_error();
    fprintf(stderr, "mlavk: %s\n", detail[0] ? detail : mlavk_status_string(status));
    return 1;
}

static const char *yes_no(int value) { return value ? "yes" : "no"; }

static void print_device(const mlavk_device_info *d, int chosen)
{
    const double gib = 1024.0 * 1024.0 * 1024.0;
    printf("%s[%u] %s (%s)\n", chosen ? "* " : "  ", d->index, d->name, d->type);
    printf("      vendor 0x%04x, device 0x%04x, driver %s (%s), version 0x%08x, Vulkan %u.%u.%u\n", d->vendor_id,
           d->device_id, d->driver_name, d->driver_info, d->driver_version, d->api_version_major,
           d->api_version_minor, d->api_version_patch);
    if (d->device_local_budget)
        printf("      device-local memory %.2f GiB, budget %.2f GiB\n", d->device_local_bytes / gib,
               d->device_local_budget / gib);
    else
        printf("      device-local memory %.2f GiB, budget unknown\n", d->device_local_bytes / gib);
    printf("      subgroup size %u, operations: %s (arithmetic in compute: %s)\n", d->subgroup_size,
           d->subgroup_operations, yes_no(d->subgroup_arithmetic));
    printf("      fp16 arithmetic %s, int8 arithmetic %s, 8-bit storage %s, 16-bit storage %s, "
           "cooperative matrix %s\n",
           yes_no(d->shader_float16), yes_no(d->shader_int8), yes_no(d->storage_8bit), yes_no(d->storage_16bit),
           yes_no(d->cooperative_matrix));
    printf("      max storage buffer range %.2f GiB, max allocation %.2f GiB, timestamps %s (period %.3g ns)\n",
           d->max_storage_buffer_range / gib, d->max_allocation_size / gib, yes_no(d->timestamps),
           d->timestamp_period_ns);
}

int cli_devices(int argc, char **argv)
{
    const char *selector = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            selector = argv[++i];
        } else {
            fprintf(stderr, "mlavk devices: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    mlavk_device_info *devices;
    uint32_t count, chosen;
    mlavk_status status = mlavk_list_devices(selector, &devices, &count, &chosen);
    if (status != MLAVK_OK)
        return cli_report(status);
    for (uint32_t i = 0; i < count; i++)
        print_device(&devices[i], i == chosen);
    printf("(* = the device mlavk would use)\n");
    free(devices);
    return 0;
}
