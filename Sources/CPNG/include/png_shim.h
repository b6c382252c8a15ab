#ifndef ULTRAREFINER_PNG_SHIM_H
#define ULTRAREFINER_PNG_SHIM_H

// A narrow C interface over libpng. Every libpng call happens inside these functions, under
// a setjmp whose error handler copies libpng's message into the caller's buffer, so libpng's
// longjmp never crosses a Swift frame. Warnings are discarded (libpng would print them).

#include <stddef.h>
#include <stdint.h>

/// Outcome of a shim call; on anything but UR_PNG_OK the message buffer says what went wrong.
typedef enum ur_png_status {
    UR_PNG_OK = 0,
    /// libpng (or the shim) rejected the data; the message holds the reason.
    UR_PNG_ERROR = 1,
    /// The data ended before libpng had what it needed.
    UR_PNG_TRUNCATED = 2,
} ur_png_status;

/// What the chunks before the image data say (IHDR plus whether a tRNS chunk is present).
typedef struct ur_png_header {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    /// PNG colour type as in the file: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    int color_type;
    int interlaced;
    int has_transparency;
} ur_png_header;

/// Parses the chunks up to the first IDAT of an in-memory PNG without decompressing pixels.
ur_png_status ur_png_read_header(const uint8_t *data, size_t size, ur_png_header *header,
                                 char *message, size_t message_capacity);

/// Decodes an in-memory PNG into interleaved rows: palette expanded to RGB, tRNS to alpha,
/// gray below 8 bits scaled to 8 bits; then either 8 bits per sample (16-bit samples scaled
/// with rounding) or, when `sixteen_bit` is set, 16 bits in host byte order. `pixels` must
/// hold exactly height * width * `channels` samples; the call fails if the decoded layout
/// differs or if width * height exceeds `max_pixels`.
ur_png_status ur_png_decode(const uint8_t *data, size_t size, int sixteen_bit, uint64_t max_pixels,
                            int channels, void *pixels, size_t pixels_size,
                            char *message, size_t message_capacity);

/// Encodes interleaved 8- or 16-bit (host byte order) samples with 1-4 channels (gray,
/// gray+alpha, RGB, RGBA) into a PNG in memory. On success `*out` holds `*out_size` bytes
/// that the caller releases with `ur_png_free`.
ur_png_status ur_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels,
                            int bit_depth, uint8_t **out, size_t *out_size,
                            char *message, size_t message_capacity);

/// Releases a buffer returned by `ur_png_encode`.
void ur_png_free(void *buffer);

#endif
