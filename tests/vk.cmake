# Vulkan core (runtime/vk): context, memory, pipelines, command recording.
mlavk_test(vulkan_context_describes_and_selects_devices GPU SOURCES test_vk_context.c)
mlavk_test(device_buffers_suballocate_and_round_trip GPU SOURCES test_vk_memory.c)
add_test(NAME device_buffers_round_trip_through_staging COMMAND test_device_buffers_suballocate_and_round_trip)
set_tests_properties(device_buffers_round_trip_through_staging PROPERTIES ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_FORCE_STAGING=1")
mlavk_test(recordings_insert_barriers_only_at_hazards GPU SOURCES test_vk_commands.c)
mlavk_test(validation_layer_messages_are_counted GPU SOURCES test_vk_validation.c)

add_test(NAME cli_devices_marks_the_chosen_device COMMAND mlavk_cli devices)
set_tests_properties(cli_devices_marks_the_chosen_device PROPERTIES
  ENVIRONMENT "MLAVK_VALIDATE=1" PASS_REGULAR_EXPRESSION "\\* \\[[0-9]+\\] .*subgroup size [0-9]+")
mlavk_failure_test(cli_reports_a_missing_vulkan_loader
  PATTERN "^mlavk: cannot load the Vulkan loader /nonexistent/libvulkan.so.1"
  ENV MLAVK_VULKAN_LIBRARY=/nonexistent/libvulkan.so.1 COMMAND $<TARGET_FILE:mlavk_cli> devices)
mlavk_failure_test(cli_reports_when_no_vulkan_driver_is_installed
  PATTERN "^mlavk: no Vulkan (driver|device) found"
  ENV VK_ICD_FILENAMES=/nonexistent/icd.json VK_DRIVER_FILES=/nonexistent/icd.json
  COMMAND $<TARGET_FILE:mlavk_cli> devices)
mlavk_failure_test(cli_reports_an_unknown_device_name
  PATTERN "^mlavk: no Vulkan device matches \"no-such-gpu\""
  COMMAND $<TARGET_FILE:mlavk_cli> devices --device no-such-gpu)
