# Sources of the durable-storage part of promlet_tsdb (DB, compaction, retention, the public
# block-builder facade); included from tsdb/CMakeLists.txt so that file stays small and shared
# edits stay rare. WAL and block files have their own targets (wlog/, block/).
target_sources(promlet_tsdb PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/block_builder.cc
  ${CMAKE_CURRENT_LIST_DIR}/compact.cc
  ${CMAKE_CURRENT_LIST_DIR}/db.cc
  ${CMAKE_CURRENT_LIST_DIR}/db_replay.cc
  ${CMAKE_CURRENT_LIST_DIR}/retention.cc
)
