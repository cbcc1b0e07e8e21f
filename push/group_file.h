// One group per file under the push directory (<data>/push/<hex>.json), written durably.
//
// Invariants:
//  - A file is written to "<name>.tmp", fsync'd, renamed over "<name>" and the directory fsync'd
//    before WriteGroupFile returns OK: a push answered 200 survives kill -9 and power loss.
//    A crash leaves either the old or the new file, never a torn one; stray .tmp files are
//    removed by LoadGroupFiles.
//  - The encoding keeps every value bit-exactly (values are stored as their IEEE-754 bits) and
//    the grouping key with its empty values.
#ifndef PROMLET_PUSH_GROUP_FILE_H_
#define PROMLET_PUSH_GROUP_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "push/group.h"

namespace promlet::push {

std::string EncodeGroup(const Group& group);
absl::StatusOr<Group> DecodeGroup(std::string_view data);

// The file name a group is stored under (without collision suffix): hex of a 128-bit hash of
// the grouping key, plus ".json".
std::string GroupFileName(const GroupingKey& key, int collision = 0);

absl::Status WriteGroupFile(const std::string& dir, const std::string& name, const Group& group);
absl::Status RemoveGroupFile(const std::string& dir, const std::string& name);

struct LoadedGroup {
  std::string file;
  Group group;
};
// Creates `dir` if needed, removes stray .tmp files and reads every group file. A file that
// cannot be decoded is reported in `errors` (named) and renamed to <name>.corrupt, not loaded.
absl::StatusOr<std::vector<LoadedGroup>> LoadGroupFiles(const std::string& dir,
                                                        std::vector<std::string>* errors);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_GROUP_FILE_H_
