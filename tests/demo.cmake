# The GUI demo (demo/): built only where GLFW is installed, so its tests are too.
if(TARGET mlavk_chat)
  add_library(mlavk_test_stb_image STATIC demo_stb_image.c)
  target_compile_options(mlavk_test_stb_image PRIVATE -w) # third-party implementation code

  add_executable(test_demo_chat test_demo_chat.c test_util.c)
  target_include_directories(test_demo_chat PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(test_demo_chat PRIVATE mlavk mlavk_test_stb_image)

  # Unattended run under Xvfb with lavapipe: three greedy turns of 24 tokens, the replies printed by the demo
  # compared with the engine's own generation for the same turns, and the screenshot checked for drawing.
  add_test(NAME demo_chat_replies_match_the_engine_and_the_window_is_drawn
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/demo_chat.sh $<TARGET_FILE:mlavk_chat> $<TARGET_FILE:test_demo_chat>
            ${CMAKE_CURRENT_SOURCE_DIR}/data/demo_chat_script.txt ${CMAKE_CURRENT_BINARY_DIR}/demo_chat 24)
  set_tests_properties(demo_chat_replies_match_the_engine_and_the_window_is_drawn PROPERTIES
    ENVIRONMENT "MLAVK_VALIDATE=1" TIMEOUT 120)

  # A model whose chat template mlavk does not render (tests/chat.cmake's fixture): one line that points to run.
  mlavk_failure_test(demo_chat_refuses_an_unrecognised_chat_template_and_points_to_run
    PATTERN "^mlavk-chat: .*chat_template.jinja: chat template not recognised .*; `mlavk run` takes a prompt"
    COMMAND xvfb-run -a -s "-screen 0 1280x800x24" $<TARGET_FILE:mlavk_chat> -m ${CHAT_CHATML_MODEL}
            --script ${CMAKE_CURRENT_SOURCE_DIR}/data/demo_chat_script.txt -n 4)
  set_tests_properties(demo_chat_refuses_an_unrecognised_chat_template_and_points_to_run PROPERTIES
    FIXTURES_REQUIRED chatml_model TIMEOUT 120)

  mlavk_failure_test(demo_chat_rejects_an_unknown_option PATTERN "unknown option: --bogus"
    COMMAND $<TARGET_FILE:mlavk_chat> --bogus 1)
  mlavk_failure_test(demo_chat_without_a_display_says_so PATTERN "cannot open a window" ENV DISPLAY= WAYLAND_DISPLAY=
    COMMAND $<TARGET_FILE:mlavk_chat>)
endif()
