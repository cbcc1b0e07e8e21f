# Sources of the durable-storage part of promlet_tsdb (WAL, blocks, DB); included from
# tsdb/CMakeLists.txt so that file stays small and shared edits stay rare.
target_sources(promlet_tsdb PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/wlog/crc32c.cc
  ${CMAKE_CURRENT_LIST_DIR}/wlog/wal_records.cc
  ${CMAKE_CURRENT_LIST_DIR}/wlog/wal.cc
)
target_link_libraries(promlet_tsdb PUBLIC nlohmann_json::nlohmann_json)
target_sources(promlet_tsdb PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/block/block.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/block_file.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/block_format.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/block_meta.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/block_querier.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/block_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/chunk_codec.cc
  ${CMAKE_CURRENT_LIST_DIR}/block/merge.cc
  ${CMAKE_CURRENT_LIST_DIR}/tombstones.cc
)
target_sources(promlet_tsdb PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/compact.cc
  ${CMAKE_CURRENT_LIST_DIR}/db.cc
  ${CMAKE_CURRENT_LIST_DIR}/retention.cc
)
