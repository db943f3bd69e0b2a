# The include roots hold the layering at compile time (server/CMakeLists.txt, scripts/layering.py
# --roots): with the root of a feature, a header of store/sqlite (a module no feature may
# include) and a private header of the node (node/internal/) are not found, while the headers a
# feature may include are; and the same store/sqlite header is found from store/sqlite's own root,
# so the failure is the root's doing, not a missing file. Preprocessing is enough to show it.
#
#   cmake -DCXX=... -DROOTS=build/include_roots -DSOURCE_DIR=... -DINCLUDES="a|b" -DWORK_DIR=...
#         -P tests/include_roots.cmake
string(REPLACE "|" ";" includes "${INCLUDES}")
set(flags)
foreach(dir ${includes})
  if(NOT dir STREQUAL "/usr/include")  # the compiler's own, where -I would reorder it
    list(APPEND flags -I${dir})
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK_DIR})

file(GLOB sqlite_headers RELATIVE ${SOURCE_DIR}/server ${SOURCE_DIR}/server/store/sqlite/*.hpp)
list(SORT sqlite_headers)
list(GET sqlite_headers 0 sqlite_header)
set(private_header node/internal/node_internals.hpp)
foreach(header ${sqlite_header} ${private_header})
  if(NOT EXISTS ${SOURCE_DIR}/server/${header})
    message(FATAL_ERROR "server/${header} does not exist: the check would prove nothing")
  endif()
endforeach()

set(failures 0)
set(case 0)
# preprocess(ROOT HEADER ok|fails)
function(preprocess root header expected)
  math(EXPR n "${case} + 1")
  set(case ${n} PARENT_SCOPE)
  set(source ${WORK_DIR}/case_${n}.cpp)
  file(WRITE ${source} "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} -std=c++20 -E -I${ROOTS}/${root} ${flags} ${source}
    OUTPUT_QUIET ERROR_VARIABLE errors RESULT_VARIABLE result)
  if(expected STREQUAL "ok" AND NOT result EQUAL 0)
    message(SEND_ERROR "${root} cannot include ${header}, which it may:\n${errors}")
  elseif(expected STREQUAL "fails")
    if(result EQUAL 0)
      message(SEND_ERROR "${root} includes ${header}, which it may not")
    elseif(NOT errors MATCHES "${header}[^\n]*(No such file or directory|file not found)")
      message(SEND_ERROR "${root} including ${header} failed for another reason:\n${errors}")
    else()
      string(REGEX MATCH "[^\n]*${header}[^\n]*(No such file or directory|file not found)"
        quoted "${errors}")
      message(STATUS "${root}: #include \"${header}\" refused: ${quoted}")
    endif()
  else()
    message(STATUS "${root}: #include \"${header}\" found")
  endif()
endfunction()

preprocess(features-chat store/store.hpp ok)
preprocess(features-chat node/services.hpp ok)
preprocess(store-sqlite ${sqlite_header} ok)
preprocess(node ${private_header} ok)
preprocess(features-chat ${sqlite_header} fails)
preprocess(features-chat ${private_header} fails)
preprocess(main ${private_header} fails)
