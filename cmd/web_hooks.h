// The binary's adapters from tsdb to web's hooks (web/api/v1/hooks.h), so that web reads the
// head's figures without depending on tsdb's head.
#ifndef PROMLET_CMD_WEB_HOOKS_H_
#define PROMLET_CMD_WEB_HOOKS_H_

#include <cstddef>

#include "tsdb/head.h"
#include "web/api/v1/hooks.h"

namespace promlet::cmd {

// /api/v1/status/tsdb of `head`: its Stats() and Cardinality(limit).
web::TsdbStatusView TsdbStatusOf(const tsdb::Head& head, size_t limit);

}  // namespace promlet::cmd

#endif  // PROMLET_CMD_WEB_HOOKS_H_
