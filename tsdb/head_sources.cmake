# Sources of the in-memory part of promlet_tsdb (the head and its WAL replay); included from
# tsdb/CMakeLists.txt so that file stays small and shared edits stay rare. Chunk encodings and
# postings have their own targets (chunkenc/, index/).
target_sources(promlet_tsdb PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/head_series.cc
  ${CMAKE_CURRENT_LIST_DIR}/head.cc
  ${CMAKE_CURRENT_LIST_DIR}/head_replay.cc
  ${CMAKE_CURRENT_LIST_DIR}/head_appender.cc
  ${CMAKE_CURRENT_LIST_DIR}/head_querier.cc
)
target_link_libraries(promlet_tsdb PUBLIC absl::btree absl::flat_hash_set absl::inlined_vector)
