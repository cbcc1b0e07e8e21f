# Fails when a file outside promql/parser includes ANTLR (the runtime, the generated lexer or
# parser) or the parser's private headers: ANTLR stays behind promql/parser/antlr_private.h.
# Run as: cmake -DROOT=<source dir> -P antlr_private_check.cmake
file(GLOB_RECURSE _files RELATIVE ${ROOT}
  ${ROOT}/web/*.h ${ROOT}/web/*.cc ${ROOT}/net/*.h ${ROOT}/net/*.cc ${ROOT}/cmd/*.h ${ROOT}/cmd/*.cc
  ${ROOT}/common/*.h ${ROOT}/common/*.cc ${ROOT}/promql/*.h ${ROOT}/promql/*.cc ${ROOT}/scrape/*.h
  ${ROOT}/scrape/*.cc ${ROOT}/tsdb/*.h ${ROOT}/tsdb/*.cc ${ROOT}/tools/*.h ${ROOT}/tools/*.cc
  ${ROOT}/tests/*.h ${ROOT}/tests/*.cc ${ROOT}/bench/*.h ${ROOT}/bench/*.cc)
set(_bad "")
foreach(f ${_files})
  if(f MATCHES "^promql/parser/")
    continue()
  endif()
  file(STRINGS ${ROOT}/${f} _hits REGEX
    "#include [<\"](antlr4-runtime\\.h|PromQL(Lexer|Parser|Visitor|BaseVisitor)\\.h|promql/parser/(antlr_private|internal)\\.h)[>\"]")
  if(_hits)
    list(APPEND _bad "${f}: ${_hits}")
  endif()
endforeach()
if(_bad)
  list(JOIN _bad "\n  " _msg)
  message(FATAL_ERROR "ANTLR or parser internals included outside promql/parser:\n  ${_msg}")
endif()
