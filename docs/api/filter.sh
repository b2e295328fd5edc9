#!/bin/sh
# Doxygen INPUT_FILTER for the generated header: cbindgen writes each doc
# comment as plain `//` lines (documentation_style = "c99"); Doxygen only
# reads `///`. Turn a comment line that starts a line into `///`, leave
# trailing comments (`#endif // ...`) alone.
exec sed -E -e 's#^([[:space:]]*)//( |$)#\1///\2#' "$1"
