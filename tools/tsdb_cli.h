// `promlet tsdb ...` subcommands, for cmd/main.cc to dispatch to:
//   promlet tsdb create-blocks-from openmetrics <input-file> <data-dir>
//   promlet tsdb list [-r|--human-readable] <data-dir>
//   promlet tsdb analyze [--limit=N] <data-dir>
// argv[0] is "tsdb" (the words after the program name). Output goes to `out`, errors to
// `err`; the return value is the process exit code (0 ok, 1 failure, 2 usage).
#ifndef PROMLET_TOOLS_TSDB_CLI_H_
#define PROMLET_TOOLS_TSDB_CLI_H_

#include <cstdio>

namespace promlet::tools {

int RunTsdbCommand(int argc, char** argv, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace promlet::tools

#endif  // PROMLET_TOOLS_TSDB_CLI_H_
