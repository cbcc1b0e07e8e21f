/* promlet.h: the C API of promlet, an embeddable Prometheus-compatible time-series database.
 *
 * Open a data directory, append samples through appenders, run PromQL, and optionally serve the
 * Prometheus HTTP API from background threads so that Grafana or curl can read the same data.
 * Designed for FFI (Python ctypes, Go cgo, Rust): opaque handles, C strings, int64 milliseconds.
 *
 * Conventions:
 *  - Errors: a function that can fail takes `char **errmsg`. On failure it returns NULL (or a
 *    non-zero int) and, when errmsg is not NULL, stores a malloc'd message there that the caller
 *    frees with promlet_free (the SQLite convention). On success *errmsg is left untouched.
 *  - Strings returned by promlet are malloc'd and freed with promlet_free.
 *  - Thread safety: every function may be called from any thread at any time, except that one
 *    appender is used by one thread at a time. promlet_close must not race with other calls on
 *    the same db, and every appender must be committed or rolled back before it.
 *  - Timestamps are milliseconds since the Unix epoch; values are IEEE-754 doubles.
 *
 * Stability: this header is the ABI. Options are passed by name through promlet_options, so new
 * options never change a signature. */
#ifndef PROMLET_PROMLET_H_
#define PROMLET_PROMLET_H_

#include <stddef.h>
#include <stdint.h>

#include "promlet/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct promlet_db promlet_db;
typedef struct promlet_appender promlet_appender;
typedef struct promlet_options promlet_options;

/* Opens (creating if needed) the database in `dir` with default options: WAL replayed, blocks
 * loaded, background compaction and 15d retention. The directory is locked: a second open,
 * from this or another process, fails naming the holder. NULL on error. */
PROMLET_EXPORT promlet_db *promlet_open(const char *dir, char **errmsg);

/* A new appender: a batch of samples that becomes durable and visible at commit. */
PROMLET_EXPORT promlet_appender *promlet_appender_new(promlet_db *db);

/* Adds one sample. `series` is a metric name with optional labels as in the text exposition
 * format: `http_requests_total{method="GET",code="200"}`. Returns 0 on success; a malformed
 * series, an out-of-order sample, a second value for the same timestamp, or a timestamp outside
 * the range the database accepts is an error and leaves the batch's other samples intact. */
PROMLET_EXPORT int promlet_appender_add(promlet_appender *a, const char *series,
                                        int64_t timestamp_ms, double value, char **errmsg);

/* Writes the batch to the WAL and makes it visible; durable when it returns 0 (it survives a
 * kill -9 of the process). Frees `a` in every case. */
PROMLET_EXPORT int promlet_appender_commit(promlet_appender *a, char **errmsg);

/* Discards the batch and frees `a`. */
PROMLET_EXPORT void promlet_appender_rollback(promlet_appender *a);

/* PromQL. The result is the JSON of the Prometheus API's "data" object,
 * {"resultType":"vector","result":[...]}, byte for byte what /api/v1/query (query_range) answers.
 * NULL on error (a parse error, a timeout, too many samples...). */
PROMLET_EXPORT char *promlet_query(promlet_db *db, const char *expr, int64_t time_ms,
                                   char **errmsg);
PROMLET_EXPORT char *promlet_query_range(promlet_db *db, const char *expr, int64_t start_ms,
                                         int64_t end_ms, int64_t step_ms, char **errmsg);

/* Serves the Prometheus HTTP API (/api/v1/..., /federate, /-/healthy, /-/ready) for this db
 * from background threads, on "host:port" (":0" picks a free port: see promlet_serve_port).
 * Returns 0 once listening; a db serves on one address at a time. */
PROMLET_EXPORT int promlet_serve(promlet_db *db, const char *listen_address, char **errmsg);

/* Stops serving, flushes and syncs the WAL, releases the lock and frees db. NULL is a no-op. */
PROMLET_EXPORT void promlet_close(promlet_db *db);

/* Frees strings returned by promlet and error messages. NULL is a no-op. */
PROMLET_EXPORT void promlet_free(void *p);

/* ---- Extensions (they keep the contract above) ---- */

/* Options by name; values are strings as promlet's flags take them:
 *   "retention.time"         duration, e.g. "15d" (default), "0" = no time limit
 *   "retention.size"         bytes, e.g. "10GB"; "0" = no size limit (default)
 *   "block.duration"         head block span, e.g. "2h" (default)
 *   "query.timeout"          duration, default "2m"
 *   "query.max-samples"      integer, default 50000000
 *   "query.max-steps-per-window"  integer, default 2880: a range query of more steps runs
 *                            in windows of steps, so its memory does not grow with its
 *                            range; "0" = one window
 *   "query.lookback-delta"   duration, default "5m"
 *   "query.max-concurrency"  integer, default 20 (HTTP API)
 *   "block-cache.size"       bytes of decompressed block sections kept between queries,
 *                            default "32MB" (at least 2MB is used), or "auto": 1/16 of the
 *                            memory the process may use, 32MB..1GB (the server's default)
 *   "lockfile"               "true" (default) or "false"
 * An unknown name or a bad value is an error naming both. */
PROMLET_EXPORT promlet_options *promlet_options_new(void);
PROMLET_EXPORT int promlet_options_set(promlet_options *o, const char *name, const char *value,
                                       char **errmsg);
PROMLET_EXPORT void promlet_options_free(promlet_options *o);
/* promlet_open with options; `o` may be NULL (defaults) and may be freed right after. */
PROMLET_EXPORT promlet_db *promlet_open_with_options(const char *dir, const promlet_options *o,
                                                     char **errmsg);

/* The TCP port promlet_serve listens on, or 0 when not serving. */
PROMLET_EXPORT int promlet_serve_port(promlet_db *db);

/* Appends every sample of a protobuf exposition body (length-delimited
 * io.prometheus.client.MetricFamily messages, what Prometheus scrapes) to the batch: native
 * histograms are stored as such, classic histograms and summaries as their series. Samples
 * without a timestamp get `default_timestamp_ms`. Stops at the first broken message or refused
 * sample (error naming it); samples added before it stay in the batch. */
PROMLET_EXPORT int promlet_appender_add_protobuf(promlet_appender *a, const void *body,
                                                 size_t size, int64_t default_timestamp_ms,
                                                 char **errmsg);

/* ---- Typed query results (native histograms included) ----
 * A promlet_result holds the answer of promlet_query_result / promlet_query_range_result as
 * series of points: an instant vector has one point per series, a matrix (range query, range
 * vector) a series' points in timestamp order, a scalar one series without labels and one
 * point. A string result is an error (use promlet_query). Everything a result hands out (label
 * strings, histograms) is owned by it and valid until promlet_result_free. */
typedef struct promlet_result promlet_result;
typedef struct promlet_histogram promlet_histogram;

PROMLET_EXPORT promlet_result *promlet_query_result(promlet_db *db, const char *expr,
                                                    int64_t time_ms, char **errmsg);
PROMLET_EXPORT promlet_result *promlet_query_range_result(promlet_db *db, const char *expr,
                                                          int64_t start_ms, int64_t end_ms,
                                                          int64_t step_ms, char **errmsg);
PROMLET_EXPORT void promlet_result_free(promlet_result *r);
PROMLET_EXPORT size_t promlet_result_series_count(const promlet_result *r);
/* The series' labels in the text exposition form, `name{a="b",...}` ("{}" for none). */
PROMLET_EXPORT const char *promlet_result_series_labels(const promlet_result *r, size_t series);
PROMLET_EXPORT size_t promlet_result_point_count(const promlet_result *r, size_t series);
/* One point: its timestamp, and either its float value (*histogram set to NULL) or its native
 * histogram (*value set to 0). Any out pointer may be NULL. Returns 0, or -1 for an index out
 * of range. */
PROMLET_EXPORT int promlet_result_point(const promlet_result *r, size_t series, size_t point,
                                        int64_t *timestamp_ms, double *value,
                                        const promlet_histogram **histogram);

/* A native histogram (integer histograms are given with float counts). The schema is -4..8
 * for exponential buckets and -53 for custom bucket boundaries; the zero bucket is
 * [-zero_threshold, zero_threshold]. Buckets are the populated ones, ascending (negative, zero,
 * positive), as the HTTP API's JSON lists them. */
PROMLET_EXPORT double promlet_histogram_count(const promlet_histogram *h);
PROMLET_EXPORT double promlet_histogram_sum(const promlet_histogram *h);
PROMLET_EXPORT int32_t promlet_histogram_schema(const promlet_histogram *h);
PROMLET_EXPORT double promlet_histogram_zero_threshold(const promlet_histogram *h);
PROMLET_EXPORT double promlet_histogram_zero_count(const promlet_histogram *h);
/* 1 for a gauge histogram (counter resets do not apply), else 0. */
PROMLET_EXPORT int promlet_histogram_is_gauge(const promlet_histogram *h);
PROMLET_EXPORT size_t promlet_histogram_bucket_count(const promlet_histogram *h);
/* Bucket i: its boundary rule as in the API JSON (0: (lower, upper], 1: [lower, upper),
 * 2: (lower, upper), 3: [lower, upper]), bounds and count. Any out pointer may be NULL.
 * Returns 0, or -1 for an index out of range. */
PROMLET_EXPORT int promlet_histogram_bucket(const promlet_histogram *h, size_t i,
                                            int *boundary_rule, double *lower, double *upper,
                                            double *count);

/* The library's version, e.g. "0.1.0" (static string, not to be freed). */
PROMLET_EXPORT const char *promlet_version(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PROMLET_PROMLET_H_ */
