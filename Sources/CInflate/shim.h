// zlib for inflating deflated zip members (Debian: zlib1g-dev), read by Formats' own zip reader.
#include <zlib.h>
