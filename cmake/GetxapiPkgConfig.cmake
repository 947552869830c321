# getxapi_install_pkgconfig(NAME <pc-name> DESCRIPTION <text>
#                           LIBS <flags...> [REQUIRES <pc...>] [REQUIRES_PRIVATE <pc...>]
#                           [PRIVATE_LIBS <flags...>] [STATIC_CFLAGS <flags...>])
#
# Writes and installs <libdir>/pkgconfig/<pc-name>.pc (component `development`)
# for one library component, so a user can build with
#   c++ app.cpp $(pkg-config --cflags --libs <pc-name>)
# One call per component, e.g. (src/outreach/CMakeLists.txt):
#   getxapi_install_pkgconfig(NAME getxapi-outreach DESCRIPTION "..."
#                             REQUIRES getxapi PRIVATE_LIBS -lsqlite3 LIBS -lgetxapi_outreach)
#   REQUIRES          .pc modules the component's public headers or symbols need
#   REQUIRES_PRIVATE  .pc modules only its implementation links
#   PRIVATE_LIBS      link flags only its implementation needs (-lsqlite3, -pthread)
#   STATIC_CFLAGS     compile flags a static build's consumer needs (GETXAPI_STATIC_DEFINE)
# In a static build the private parts go into Requires:/Libs: (a consumer of a
# .a must link them and should not need --static); in a shared build into
# Requires.private:/Libs.private:. The file is relocatable: the prefix is
# derived from ${pcfiledir}, so an extracted .deb or a moved prefix works.
function(getxapi_install_pkgconfig)
  cmake_parse_arguments(PARSE_ARGV 0 _pc "" "NAME;DESCRIPTION"
                        "LIBS;REQUIRES;REQUIRES_PRIVATE;PRIVATE_LIBS;STATIC_CFLAGS")
  if(NOT _pc_NAME OR NOT _pc_LIBS)
    message(FATAL_ERROR "getxapi_install_pkgconfig: NAME and LIBS are required")
  endif()
  set(_requires ${_pc_REQUIRES})
  set(_libs ${_pc_LIBS})
  set(_cflags "")
  set(_requires_private "")
  set(_libs_private "")
  if(BUILD_SHARED_LIBS)
    set(_requires_private ${_pc_REQUIRES_PRIVATE})
    set(_libs_private ${_pc_PRIVATE_LIBS})
  else()
    list(APPEND _requires ${_pc_REQUIRES_PRIVATE})
    list(APPEND _libs ${_pc_PRIVATE_LIBS})
    set(_cflags ${_pc_STATIC_CFLAGS})
  endif()
  file(RELATIVE_PATH _rel "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" GETXAPI_PC_PREFIX_REL "${_rel}")
  set(GETXAPI_PC_NAME "${_pc_NAME}")
  set(GETXAPI_PC_DESCRIPTION "${_pc_DESCRIPTION}")
  list(JOIN _requires " " GETXAPI_PC_REQUIRES)
  list(JOIN _requires_private " " GETXAPI_PC_REQUIRES_PRIVATE)
  list(JOIN _libs " " GETXAPI_PC_LIBS)
  list(JOIN _libs_private " " GETXAPI_PC_LIBS_PRIVATE)
  list(JOIN _cflags " " GETXAPI_PC_CFLAGS)
  set(_out "${PROJECT_BINARY_DIR}/pkgconfig/${_pc_NAME}.pc")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/getxapi.pc.in" "${_out}" @ONLY)
  install(FILES "${_out}" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT development)
endfunction()
