# The library version, read from Cargo.toml's [package] `version` (its one
# source). Sets RNATS_VERSION (e.g. 3.14.0 or 3.14.0-beta) and
# RNATS_VERSION_NUMERIC (3.14.0, for project()).
#
# In script mode (cmake -DSOURCE_DIR=<root> -P cmake/rnats_version.cmake)
# it prints RNATS_VERSION; tests/package_metadata.rs compares that.

if(NOT DEFINED SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()
# The first line that starts with `version =` is [package]'s: dependencies
# are written `name = "…"` or `name = { version = … }`.
file(STRINGS "${SOURCE_DIR}/Cargo.toml" _rnats_version_line
     REGEX "^version *= *\"[^\"]*\"" LIMIT_COUNT 1)
if(NOT _rnats_version_line MATCHES "^version *= *\"(([0-9]+)\\.([0-9]+)\\.([0-9]+)[^\"]*)\"")
  message(FATAL_ERROR "cannot read the version from ${SOURCE_DIR}/Cargo.toml")
endif()
set(RNATS_VERSION "${CMAKE_MATCH_1}")
set(RNATS_VERSION_NUMERIC "${CMAKE_MATCH_2}.${CMAKE_MATCH_3}.${CMAKE_MATCH_4}")
unset(_rnats_version_line)

if(CMAKE_SCRIPT_MODE_FILE)
  message("${RNATS_VERSION}")
else()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${SOURCE_DIR}/Cargo.toml")
endif()
