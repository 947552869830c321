# `cpack -G DEB` in a build directory: two Debian packages from the install
# components,
#   libgetxapi-dev  runtime + development: the libraries, headers, CMake
#                   config, pkg-config files, docs and examples
#   getxapi-tools   tools: the getxapi CLI and getxapi-sandbox
# Shared-library dependencies come from dpkg-shlibdeps (package dpkg-dev);
# what a consumer compiles against (the -dev packages) is declared here.
set(CPACK_PACKAGE_NAME "getxapi")
set(CPACK_PACKAGE_VENDOR "getxapi-cpp")
set(CPACK_PACKAGE_CONTACT "getxapi-cpp maintainers <maintainers@getxapi-cpp.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
if(NOT CPACK_GENERATOR)
  set(CPACK_GENERATOR "DEB")
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_COMPONENT_RUNTIME_GROUP dev)
set(CPACK_COMPONENT_DEVELOPMENT_GROUP dev)
if(GETXAPI_BUILD_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL tools)
  set(CPACK_COMPONENT_TOOLS_GROUP tools)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Our own shared libraries are in the package being built, not installed.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    "${PROJECT_BINARY_DIR}/src" "${PROJECT_BINARY_DIR}/src/outreach"
    "${PROJECT_BINARY_DIR}/src/outbox" "${PROJECT_BINARY_DIR}/src/inbox")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME "libgetxapi-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "${PROJECT_DESCRIPTION}: library and headers
 getxapi::Client over libcurl, the outreach, inbox and outbox components, their
 headers, CMake package (find_package(getxapi)), pkg-config files, the docs
 and the examples.")
set(_dev_depends "libcurl4-openssl-dev | libcurl-dev" "nlohmann-json3-dev")
if(GETXAPI_BUILD_OUTREACH OR GETXAPI_BUILD_OUTBOX OR GETXAPI_BUILD_INBOX)
  list(APPEND _dev_depends "libsqlite3-dev")
endif()
if(GETXAPI_WITH_POSTGRES)
  list(APPEND _dev_depends "libpq-dev")  # a static outbox links -lpq
endif()
list(JOIN _dev_depends ", " CPACK_DEBIAN_DEV_PACKAGE_DEPENDS)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME "getxapi-tools")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "${PROJECT_DESCRIPTION}: getxapi CLI and getxapi-sandbox
 The getxapi command line client and a local stateful GetXAPI sandbox.")
if(BUILD_SHARED_LIBS)
  # The tools link the shared libraries of the -dev package.
  set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "libgetxapi-dev (= ${PROJECT_VERSION})")
endif()

include(CPack)
