#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "png_shim.h"

// State shared between a shim entry point, its setjmp-protected worker and libpng's callbacks.
// It lives in the entry point's frame, never in the frame that calls setjmp, so nothing it
// holds is indeterminate after libpng longjmps back.
typedef struct ur_context {
    png_structp png;
    png_infop info;
    // Reading: the whole file in memory.
    const uint8_t *data;
    size_t size;
    size_t offset;
    int truncated;
    // Writing: a growing output buffer.
    uint8_t *out;
    size_t out_size;
    size_t out_capacity;
    // libpng's error text for the caller.
    char *message;
    size_t message_capacity;
} ur_context;

static void on_error(png_structp png, png_const_charp text) {
    ur_context *context = (ur_context *)png_get_error_ptr(png);
    snprintf(context->message, context->message_capacity, "%s", text);
    png_longjmp(png, 1);
}

// libpng would print warnings (e.g. "iCCP: known incorrect sRGB profile") to stderr; they
// never change the decoded pixels, so they are dropped.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, size_t length) {
    ur_context *context = (ur_context *)png_get_io_ptr(png);
    if (length > context->size - context->offset) {
        context->truncated = 1;
        png_error(png, "unexpected end of file (the PNG is truncated)");
    }
    memcpy(out, context->data + context->offset, length);
    context->offset += length;
}

static void write_to_memory(png_structp png, png_bytep bytes, size_t length) {
    ur_context *context = (ur_context *)png_get_io_ptr(png);
    if (length > context->out_capacity - context->out_size) {
        size_t capacity = context->out_capacity ? context->out_capacity : 4096;
        while (capacity - context->out_size < length) capacity *= 2;
        uint8_t *grown = realloc(context->out, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding");
        context->out = grown;
        context->out_capacity = capacity;
    }
    memcpy(context->out + context->out_size, bytes, length);
    context->out_size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

static ur_png_status start_reading(ur_context *context, const uint8_t *data, size_t size,
                                   char *message, size_t message_capacity) {
    memset(context, 0, sizeof *context);
    context->data = data;
    context->size = size;
    context->message = message;
    context->message_capacity = message_capacity;
    snprintf(message, message_capacity, "libpng could not start");
    context->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, context, on_error, on_warning);
    if (context->png == NULL) return UR_PNG_ERROR;
    context->info = png_create_info_struct(context->png);
    if (context->info == NULL) {
        png_destroy_read_struct(&context->png, NULL, NULL);
        return UR_PNG_ERROR;
    }
    png_set_read_fn(context->png, context, read_from_memory);
    return UR_PNG_OK;
}

static ur_png_status finish_reading(ur_context *context, int failed) {
    png_destroy_read_struct(&context->png, &context->info, NULL);
    if (!failed) return UR_PNG_OK;
    return context->truncated ? UR_PNG_TRUNCATED : UR_PNG_ERROR;
}

static void fill_header(ur_context *context, ur_png_header *header) {
    png_structp png = context->png;
    png_infop info = context->info;
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    header->has_transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
}

static int read_header_protected(ur_context *context, ur_png_header *header) {
    if (setjmp(png_jmpbuf(context->png))) return 1;
    // The header call only reports sizes; the decoder applies the caller's limit.
    png_set_user_limits(context->png, 0x7fffffffU, 0x7fffffffU);
    png_read_info(context->png, context->info);
    fill_header(context, header);
    return 0;
}

ur_png_status ur_png_read_header(const uint8_t *data, size_t size, ur_png_header *header,
                                 char *message, size_t message_capacity) {
    ur_context context;
    ur_png_status status = start_reading(&context, data, size, message, message_capacity);
    if (status != UR_PNG_OK) return status;
    return finish_reading(&context, read_header_protected(&context, header));
}

static int decode_protected(ur_context *context, int sixteen_bit, uint64_t max_pixels,
                            int channels, void *pixels, size_t pixels_size) {
    png_structp png = context->png;
    png_infop info = context->info;
    if (setjmp(png_jmpbuf(png))) return 1;

    const uint32_t side_limit = max_pixels < 0x7fffffffU ? (uint32_t)max_pixels : 0x7fffffffU;
    png_set_user_limits(png, side_limit, side_limit);
    png_read_info(png, info);

    const uint32_t width = png_get_image_width(png, info);
    const uint32_t height = png_get_image_height(png, info);
    const uint64_t pixel_count = (uint64_t)width * height;
    if (pixel_count > max_pixels) {
        char text[160];
        snprintf(text, sizeof text, "%ux%u = %llu pixels exceeds the limit of %llu", width, height,
                 (unsigned long long)pixel_count, (unsigned long long)max_pixels);
        png_error(png, text);
    }

    png_set_expand(png);
    if (sixteen_bit) {
        png_set_expand_16(png);
        if (host_is_little_endian()) png_set_swap(png);
    } else {
        png_set_scale_16(png);
    }
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const size_t sample_bytes = sixteen_bit ? 2 : 1;
    const size_t row_bytes = (size_t)width * (size_t)channels * sample_bytes;
    if (png_get_channels(png, info) != channels || png_get_rowbytes(png, info) != row_bytes
        || row_bytes * height != pixels_size) {
        png_error(png, "decoded layout does not match the header");
    }

    // Interlaced images arrive pass by pass; libpng merges each pass into the rows in place,
    // so the caller's buffer doubles as the row store and no extra allocation is needed.
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_read_row(png, (png_bytep)pixels + (size_t)y * row_bytes, NULL);
        }
    }
    png_read_end(png, NULL);
    return 0;
}

ur_png_status ur_png_decode(const uint8_t *data, size_t size, int sixteen_bit, uint64_t max_pixels,
                            int channels, void *pixels, size_t pixels_size,
                            char *message, size_t message_capacity) {
    ur_context context;
    ur_png_status status = start_reading(&context, data, size, message, message_capacity);
    if (status != UR_PNG_OK) return status;
    int failed = decode_protected(&context, sixteen_bit, max_pixels, channels, pixels, pixels_size);
    return finish_reading(&context, failed);
}

static int encode_protected(ur_context *context, const void *pixels, uint32_t width,
                            uint32_t height, int channels, int bit_depth) {
    png_structp png = context->png;
    png_infop info = context->info;
    if (setjmp(png_jmpbuf(png))) return 1;

    static const int color_types[] = {
        PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA,
    };
    if (channels < 1 || channels > 4) png_error(png, "PNG images have 1 to 4 channels");
    if (bit_depth != 8 && bit_depth != 16) png_error(png, "PNG samples are written with 8 or 16 bits");

    png_set_write_fn(png, context, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);

    const size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)pixels + (size_t)y * row_bytes);
    }
    png_write_end(png, NULL);
    return 0;
}

ur_png_status ur_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels,
                            int bit_depth, uint8_t **out, size_t *out_size,
                            char *message, size_t message_capacity) {
    ur_context context;
    memset(&context, 0, sizeof context);
    context.message = message;
    context.message_capacity = message_capacity;
    snprintf(message, message_capacity, "libpng could not start");
    context.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    if (context.png == NULL) return UR_PNG_ERROR;
    context.info = png_create_info_struct(context.png);
    if (context.info == NULL) {
        png_destroy_write_struct(&context.png, NULL);
        return UR_PNG_ERROR;
    }
    int failed = encode_protected(&context, pixels, width, height, channels, bit_depth);
    png_destroy_write_struct(&context.png, &context.info);
    if (failed) {
        free(context.out);
        return UR_PNG_ERROR;
    }
    *out = context.out;
    *out_size = context.out_size;
    return UR_PNG_OK;
}

void ur_png_free(void *buffer) { free(buffer); }
