# Writes OUT (`#define PROMLET_REVISION "<git HEAD>"`) when it differs from what is there, so that
# every build reports the commit it was built from (a configure-time value went stale with each
# commit) while an unchanged revision rebuilds nothing. Run by the promlet_revision target.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT rev)
  set(rev unknown)
endif()
set(content "#define PROMLET_REVISION \"${rev}\"\n")
set(old "")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUT} "${content}")
endif()
