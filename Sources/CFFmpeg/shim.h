// C helpers for FFmpeg 5.1 (Debian 12) that Swift cannot import directly.
// Only `static inline` functions and constants, each prefixed `cffmpeg_`.
#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libswresample/swresample.h>
#include <stdarg.h>
#include <stdio.h>

// AVERROR() is a function-like macro.
static inline int cffmpeg_averror(int e) { return AVERROR(e); }
// AVERROR_EOF is built with FFERRTAG (a function-like macro).
static inline int cffmpeg_averror_eof(void) { return AVERROR_EOF; }
// AVERROR_INVALIDDATA is built with FFERRTAG.
static inline int cffmpeg_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
// AVERROR_DECODER_NOT_FOUND / STREAM_NOT_FOUND are built with FFERRTAG.
static inline int cffmpeg_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cffmpeg_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
// AV_NOPTS_VALUE is a cast of a 64-bit literal, which Swift does not import.
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }
// AV_TIME_BASE_Q is a compound literal.
static inline AVRational cffmpeg_time_base_q(void) { return (AVRational){1, AV_TIME_BASE}; }
// av_err2str uses a compound-literal buffer; this copies the message into caller storage.
static inline void cffmpeg_strerror(int errnum, char *buf, size_t size) { av_strerror(errnum, buf, size); }

// av_log callbacks receive a va_list; Swift cannot format that, so this formats it into a buffer
// and hands the finished line to a plain C function pointer.
typedef void (*cffmpeg_log_sink)(int level, const char *line);
static cffmpeg_log_sink cffmpeg_current_sink = 0;
static inline void cffmpeg_log_trampoline(void *avcl, int level, const char *fmt, va_list vl) {
    (void)avcl;
    if (!cffmpeg_current_sink || level > av_log_get_level()) return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, vl);
    cffmpeg_current_sink(level, line);
}
// Installs (or with NULL, removes) a sink for FFmpeg's log lines.
static inline void cffmpeg_set_log_sink(cffmpeg_log_sink sink) {
    cffmpeg_current_sink = sink;
    av_log_set_callback(sink ? cffmpeg_log_trampoline : av_log_default_callback);
}

#endif
