# The installed shared library is stripped: at most MAX bytes (ls -l),
# with a .gnu_debuglink naming its separate debug file.
#   cmake -DLIB=<installed libnats.so.X.Y.Z> -DMAX=<bytes> -P check_library_size.cmake
file(SIZE "${LIB}" size)
if(size GREATER MAX)
  message(FATAL_ERROR "${LIB} is ${size} bytes, more than ${MAX}: not stripped?")
endif()
file(STRINGS "${LIB}" dwarf LIMIT_COUNT 1 REGEX "^\\.debug_(info|line|str)$")
if(dwarf)
  message(FATAL_ERROR "${LIB} still has DWARF sections (${dwarf}): not stripped")
endif()
get_filename_component(name "${LIB}" NAME)
string(REPLACE "." "\\." name_re "${name}")
file(STRINGS "${LIB}" link LIMIT_COUNT 1 REGEX "${name_re}\\.debug")
if(NOT link)
  message(FATAL_ERROR "${LIB} has no .gnu_debuglink to ${name}.debug")
endif()
message(STATUS "${LIB}: ${size} bytes (max ${MAX}), debuglink ${name}.debug")
