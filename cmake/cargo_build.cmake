# Runs cargo for rnats and stages its outputs under cnats' library names.
# Invoked by CMakeLists.txt as:  cmake -D... -P cmake/cargo_build.cmake
#
# Inputs (-D):
#   CARGO          path of cargo
#   SOURCE_DIR     the crate root (where Cargo.toml is)
#   TARGET_DIR     cargo --target-dir
#   PROFILE        release | debug
#   STAGE_DIR      where the staged libraries go
#   SO_FULL        e.g. libnats.so.3.14.0
#   SO_SONAME      e.g. libnats.so.3.14
#   STATIC_NAME    e.g. libnats_static.a
#   NSL_FILE       file receiving the native-static-libs rustc reports
#   INSTALL_DIR    optional: where the copies to install go. The release
#                  profile keeps debug info (for backtraces, valgrind and
#                  perf in the build tree); the installed shared library is
#                  stripped, its debug info split into SO_FULL.debug (found
#                  by gdb through the .gnu_debuglink section), and the
#                  static archive loses its debug sections.
#   OBJCOPY        objcopy to do that with; without it the copies to
#                  install are the unstripped libraries
#
# `cargo rustc ... -- --print native-static-libs` builds exactly what
# `cargo build` builds for the lib (all crate types from Cargo.toml) and
# also reports the native libraries the static archive needs. Cargo
# replays that note when the build is already fresh, so the file is
# always current.

foreach(v CARGO SOURCE_DIR TARGET_DIR PROFILE STAGE_DIR SO_FULL SO_SONAME STATIC_NAME NSL_FILE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "cargo_build.cmake: ${v} is not set")
  endif()
endforeach()

set(profile_args)
if(PROFILE STREQUAL "release")
  set(profile_args --release)
elseif(NOT PROFILE STREQUAL "debug")
  message(FATAL_ERROR "RNATS_CARGO_PROFILE must be release or debug, not '${PROFILE}'")
endif()

execute_process(
  COMMAND "${CARGO}" rustc --lib ${profile_args}
          --manifest-path "${SOURCE_DIR}/Cargo.toml"
          --target-dir "${TARGET_DIR}"
          -- --print native-static-libs
  WORKING_DIRECTORY "${SOURCE_DIR}"
  RESULT_VARIABLE rc
  ERROR_VARIABLE err
  ECHO_ERROR_VARIABLE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cargo failed (${rc})")
endif()

string(REGEX MATCH "native-static-libs: ([^\r\n]*)" _m "${err}")
if(_m)
  string(STRIP "${CMAKE_MATCH_1}" libs)
  file(WRITE "${NSL_FILE}" "${libs}\n")
else()
  file(WRITE "${NSL_FILE}" "unknown\n")
endif()

set(out "${TARGET_DIR}/${PROFILE}")
file(MAKE_DIRECTORY "${STAGE_DIR}")
file(COPY_FILE "${out}/libnats.so" "${STAGE_DIR}/${SO_FULL}")
file(COPY_FILE "${out}/libnats.a" "${STAGE_DIR}/${STATIC_NAME}")
file(CREATE_LINK "${SO_FULL}" "${STAGE_DIR}/${SO_SONAME}" SYMBOLIC)
file(CREATE_LINK "${SO_SONAME}" "${STAGE_DIR}/libnats.so" SYMBOLIC)
# Outputs must be newer than the sources that triggered this run, even
# when cargo found nothing to rebuild.
file(TOUCH "${STAGE_DIR}/${SO_FULL}" "${STAGE_DIR}/${STATIC_NAME}" "${NSL_FILE}")

if(DEFINED INSTALL_DIR)
  file(MAKE_DIRECTORY "${INSTALL_DIR}")
  set(so "${STAGE_DIR}/${SO_FULL}")
  set(dbg "${INSTALL_DIR}/${SO_FULL}.debug")
  if(OBJCOPY)
    foreach(cmd
        "--only-keep-debug;${so};${dbg}"
        "--strip-unneeded;--add-gnu-debuglink=${dbg};${so};${INSTALL_DIR}/${SO_FULL}"
        "--strip-debug;${STAGE_DIR}/${STATIC_NAME};${INSTALL_DIR}/${STATIC_NAME}")
      execute_process(COMMAND "${OBJCOPY}" ${cmd} RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${OBJCOPY} ${cmd} failed (${rc})")
      endif()
    endforeach()
  else()
    file(COPY_FILE "${so}" "${INSTALL_DIR}/${SO_FULL}")
    file(COPY_FILE "${STAGE_DIR}/${STATIC_NAME}" "${INSTALL_DIR}/${STATIC_NAME}")
    file(WRITE "${dbg}" "")
  endif()
  file(TOUCH "${INSTALL_DIR}/${SO_FULL}" "${INSTALL_DIR}/${STATIC_NAME}" "${dbg}")
endif()
