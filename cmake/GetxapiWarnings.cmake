# getxapi_set_warnings(target): the warning flags every target of ours builds with.
function(getxapi_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(GETXAPI_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
