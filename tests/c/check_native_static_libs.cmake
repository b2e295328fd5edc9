# Compares rustc's native-static-libs report (REPORT, written by the cargo
# build step) with the list CMakeLists.txt hard-codes (EXPECTED) and with
# the Libs.private line of the generated libnats.pc (PC_FILE).
file(READ "${REPORT}" reported)
string(STRIP "${reported}" reported)
string(REPLACE ";" " -l" expected_flags "-l${EXPECTED}")
if(NOT reported STREQUAL expected_flags)
  message(FATAL_ERROR
    "FAIL rustc reports native-static-libs '${reported}' but CMakeLists.txt "
    "RNATS_NATIVE_STATIC_LIBS gives '${expected_flags}': update RNATS_NATIVE_STATIC_LIBS")
endif()
file(STRINGS "${PC_FILE}" private REGEX "^Libs.private:")
if(NOT private STREQUAL "Libs.private: ${expected_flags}")
  message(FATAL_ERROR "FAIL libnats.pc has '${private}', expected 'Libs.private: ${expected_flags}'")
endif()
message(STATUS "native-static-libs: ${reported}")
