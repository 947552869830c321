# cmake -DCLI=<getxapi> -DOUT=<dir> [-DHELP2MAN=<help2man>] -P generate_docs.cmake
# Writes the shell completions (and the man page) from the CLI's own command tree, with no
# environment: nothing the build machine has set can leak into them.
foreach(shell_and_path
    "bash;bash-completion/completions/getxapi"
    "zsh;zsh/site-functions/_getxapi"
    "fish;fish/vendor_completions.d/getxapi.fish")
  list(GET shell_and_path 0 shell)
  list(GET shell_and_path 1 path)
  get_filename_component(dir "${OUT}/${path}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  execute_process(COMMAND env -i "${CLI}" completion ${shell}
                  OUTPUT_FILE "${OUT}/${path}" RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "getxapi completion ${shell} failed: ${result}")
  endif()
endforeach()

if(HELP2MAN)
  file(MAKE_DIRECTORY "${OUT}/man/man1")
  execute_process(
    COMMAND env -i "${HELP2MAN}" --no-info --no-discard-stderr --help-option=--help-all
            "--name=X (Twitter) users and direct messages through GetXAPI"
            --section=1 --output=${OUT}/man/man1/getxapi.1 "${CLI}"
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "help2man failed: ${result}")
  endif()
endif()
