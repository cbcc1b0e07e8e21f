// Build identity of the binary; PROMLET_VERSION / PROMLET_REVISION come from CMake.
#ifndef PROMLET_CMD_VERSION_H_
#define PROMLET_CMD_VERSION_H_

#ifndef PROMLET_VERSION
#define PROMLET_VERSION "0.0.0"
#endif
#ifndef PROMLET_REVISION
#define PROMLET_REVISION "unknown"
#endif

#endif  // PROMLET_CMD_VERSION_H_
