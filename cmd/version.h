// Build identity of the binary: PROMLET_VERSION comes from CMake, PROMLET_REVISION from the
// header the build writes (cmd/revision.cmake) when it has one.
#ifndef PROMLET_CMD_VERSION_H_
#define PROMLET_CMD_VERSION_H_

#ifndef PROMLET_VERSION
#define PROMLET_VERSION "0.0.0"
#endif
#if __has_include("promlet_revision.h")
#include "promlet_revision.h"
#endif
#ifndef PROMLET_REVISION
#define PROMLET_REVISION "unknown"
#endif

// The Prometheus version /api/v1/status/buildinfo reports as "version": clients such as Grafana
// pick features by it. promlet's own version is reported beside it (revision, promletVersion).
#define PROMLET_PROMETHEUS_COMPAT_VERSION "3.0.0"

#endif  // PROMLET_CMD_VERSION_H_
