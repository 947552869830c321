# ctest bench_smoke: each benchmark binary once, with tiny iteration counts.
foreach(cmd "${BENCH_CODEC};--benchmark_min_time=0.001" "${BENCH_E2E};all;--smoke")
  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bench smoke failed (${rc}): ${cmd}")
  endif()
endforeach()
