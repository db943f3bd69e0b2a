# Embeds the Redis store's Lua scripts in C++ (cmake -P, run by the build whenever a .lua file
# or this file changes; server/CMakeLists.txt):
#   cmake -DLUA_DIR=<this folder> -DOUT_DIR=<binary dir> -P embed_lua.cmake
#
# Input: every <name>.lua of LUA_DIR is one script; lib/<lib>.lua are libraries of `local
# function`s that a script pulls in with a line `-- include lib/<lib>.lua` (the library's text
# replaces that line). A script names its KEYS and ARGV positions once, in lines of the form
#   local seq_key, log_key = KEYS[1], KEYS[2]
#   local event, ttl_s = ARGV[1], ARGV[2]
# (positions numbered from 1 without gaps, over as many lines as it takes). A name starting
# with `_` is a position the script does not read (the caller still passes it). Elsewhere a
# script indexes KEYS and ARGV only with expressions (its variadic tail: `ARGV[i]`, `#ARGV`,
# or ARGV handed whole to a function: `f(x, ARGV)`), never with a number, so that each
# position has exactly one name.
#
# Output (written only when it changes, so that an unchanged script rebuilds nothing):
#   OUT_DIR/store/redis/lua_scripts.hpp, .cpp: per script a struct (append.lua -> lua::Append)
#     with script() (its full text, the libraries in place) and the aggregates Keys and Args
#     whose members are the names above, in order (store/redis/lua_call.hpp calls them);
#     lua::all() lists every script.
#   OUT_DIR/lua/<name>.lua: each script as Redis runs it, for luacheck (tests/CMakeLists.txt).
# Fails (FATAL_ERROR) on a gap or a repeated position, a numeric index outside the naming
# lines, an unknown or unused library, a library no script includes, or a name that is not an
# identifier.

cmake_minimum_required(VERSION 3.25)

if(NOT LUA_DIR OR NOT OUT_DIR)
  message(FATAL_ERROR "embed_lua.cmake: set LUA_DIR and OUT_DIR")
endif()

function(write_if_changed path content)
  if(EXISTS "${path}")
    file(READ "${path}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${path}" "${content}")
endfunction()

# snake_case -> CamelCase (duty_push_move -> DutyPushMove).
function(camel_case name out)
  string(REGEX MATCHALL "[a-z0-9]+" parts "${name}")
  set(result "")
  foreach(part IN LISTS parts)
    string(SUBSTRING "${part}" 0 1 head)
    string(SUBSTRING "${part}" 1 -1 tail)
    string(TOUPPER "${head}" head)
    string(APPEND result "${head}${tail}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# The C++ members of one aggregate (Keys or Args) and the body of its list().
function(aggregate_code names variadic out_members out_list)
  set(members "")
  set(list_body "")
  list(LENGTH names count)
  foreach(name IN LISTS names)
    string(APPEND members "        Value ${name};\n")
    string(APPEND list_body "    out.push_back(std::move(${name}).take());\n")
  endforeach()
  if(variadic)
    string(APPEND members "        // The positions after the named ones (the script's variadic tail).\n")
    string(APPEND members "        std::vector<std::string> more = {};\n")
    set(list_body "    out.reserve(${count} + more.size());\n${list_body}")
    string(APPEND list_body "    for (auto& value : more) out.push_back(std::move(value));\n")
  else()
    set(list_body "    out.reserve(${count});\n${list_body}")
  endif()
  set(${out_members} "${members}" PARENT_SCOPE)
  set(${out_list} "${list_body}" PARENT_SCOPE)
endfunction()

file(GLOB scripts LIST_DIRECTORIES false "${LUA_DIR}/*.lua")
file(GLOB libraries LIST_DIRECTORIES false "${LUA_DIR}/lib/*.lua")
list(SORT scripts)
if(NOT scripts)
  message(FATAL_ERROR "embed_lua.cmake: no scripts in ${LUA_DIR}")
endif()

# Each library's text and the functions it defines.
set(library_names "")
foreach(path IN LISTS libraries)
  get_filename_component(lib "${path}" NAME_WE)
  list(APPEND library_names "${lib}")
  file(READ "${path}" lib_text_${lib})
  string(REGEX MATCHALL "\nlocal function [a-z_0-9]+" defined "\n${lib_text_${lib}}")
  set(lib_functions_${lib} "")
  foreach(match IN LISTS defined)
    string(REGEX REPLACE "^\nlocal function " "" fn "${match}")
    list(APPEND lib_functions_${lib} "${fn}")
  endforeach()
  set(lib_used_${lib} FALSE)
endforeach()

set(cpp_keywords alignas alignof and asm auto bool break case catch char class const continue
  default delete do double else enum explicit export extern false float for friend goto if
  inline int long mutable namespace new noexcept not nullptr operator or private protected
  public register return short signed sizeof static struct switch template this throw true try
  typedef typeid typename union unsigned using virtual void volatile while xor more list take)

set(header_structs "")
set(source_texts "")
set(source_defs "")
set(all_entries "")
foreach(path IN LISTS scripts)
  get_filename_component(name "${path}" NAME_WE)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "${path}: a script's file name is snake_case")
  endif()
  file(READ "${path}" own)
  set(where "${path}")

  # Libraries, in place of their include lines; each must be used by the script itself (or by
  # another library it includes: meeting needs append).
  set(text "${own}")
  string(REGEX MATCHALL "-- include lib/[a-z_0-9]+\\.lua" includes "${own}")
  set(included "")
  foreach(include IN LISTS includes)
    string(REGEX REPLACE "^-- include lib/([a-z_0-9]+)\\.lua$" "\\1" lib "${include}")
    if(NOT lib IN_LIST library_names)
      message(FATAL_ERROR "${where}: ${include}: no such library")
    endif()
    list(APPEND included "${lib}")
  endforeach()
  foreach(lib IN LISTS included)
    set(callers "${own}")
    foreach(other IN LISTS included)
      if(NOT other STREQUAL lib)
        string(APPEND callers "${lib_text_${other}}")
      endif()
    endforeach()
    set(used FALSE)
    foreach(fn IN LISTS lib_functions_${lib})
      string(FIND "${callers}" "${fn}(" at)
      if(NOT at EQUAL -1)
        set(used TRUE)
      endif()
    endforeach()
    if(NOT used)
      message(FATAL_ERROR "${where}: lib/${lib}.lua is included but none of its functions is called")
    endif()
    set(lib_used_${lib} TRUE)
    string(REPLACE "-- include lib/${lib}.lua\n"
      "-- lib/${lib}.lua\n${lib_text_${lib}}-- end of lib/${lib}.lua\n" text "${text}")
  endforeach()

  # The naming lines: `local a, b = KEYS[1], KEYS[2]`, each a whole line.
  set(names_KEYS "")
  set(names_ARGV "")
  set(rest "${text}")
  string(REGEX MATCHALL
    "local [A-Za-z_0-9, ]+ = (KEYS|ARGV)\\[[0-9]+\\](, (KEYS|ARGV)\\[[0-9]+\\])*\n"
    declarations "${text}")
  foreach(line IN LISTS declarations)
    string(FIND "\n${text}" "\n${line}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${where}: '${line}' names positions: give it a line of its own")
    endif()
    string(REGEX MATCH "^local ([A-Za-z_0-9, ]+) = ([^\n]*)\n$" _ "${line}")
    set(lhs "${CMAKE_MATCH_1}")
    set(rhs "${CMAKE_MATCH_2}")
    string(REPLACE ", " ";" lhs_names "${lhs}")
    string(REGEX MATCHALL "(KEYS|ARGV)\\[[0-9]+\\]" positions "${rhs}")
    list(LENGTH lhs_names name_count)
    list(LENGTH positions position_count)
    if(NOT name_count EQUAL position_count)
      message(FATAL_ERROR "${where}: '${lhs}' names ${name_count} for ${position_count} positions")
    endif()
    math(EXPR last "${name_count} - 1")
    foreach(i RANGE ${last})
      list(GET lhs_names ${i} lua_name)
      list(GET positions ${i} position)
      string(REGEX MATCH "^(KEYS|ARGV)\\[([0-9]+)\\]$" _ "${position}")
      set(kind "${CMAKE_MATCH_1}")
      set(index "${CMAKE_MATCH_2}")
      list(LENGTH names_${kind} have)
      math(EXPR expected "${have} + 1")
      if(NOT index EQUAL expected)
        message(FATAL_ERROR
          "${where}: ${lua_name} = ${position}: the next ${kind} position to name is ${expected}")
      endif()
      string(REGEX REPLACE "^_+" "" cpp_name "${lua_name}")
      if(NOT cpp_name MATCHES "^[a-z][a-z0-9_]*$")
        message(FATAL_ERROR "${where}: ${lua_name}: a position's name is snake_case")
      endif()
      if(cpp_name IN_LIST cpp_keywords)
        message(FATAL_ERROR "${where}: ${lua_name}: a C++ keyword (or more, list, take: the aggregate's own); choose another")
      endif()
      if(cpp_name IN_LIST names_KEYS OR cpp_name IN_LIST names_ARGV)
        message(FATAL_ERROR "${where}: ${lua_name} names two positions")
      endif()
      list(APPEND names_${kind} "${cpp_name}")
    endforeach()
    string(REPLACE "${line}" "" rest "${rest}")
  endforeach()

  # No position is read by number outside the naming lines (libraries included); what reads
  # KEYS or ARGV by an expression is the variadic tail after the named positions.
  if(rest MATCHES "(KEYS|ARGV)\\[ *[0-9]+ *\\]")
    message(FATAL_ERROR "${where}: ${CMAKE_MATCH_0}: read a position through its name")
  endif()
  foreach(kind KEYS ARGV)
    set(variadic_${kind} FALSE)
    if(rest MATCHES "#${kind}" OR rest MATCHES "[(,] *${kind}\\)" OR rest MATCHES "${kind}\\[[a-z_#(]")
      set(variadic_${kind} TRUE)
    endif()
  endforeach()

  string(FIND "${text}" ")lua\"" delimiter)
  if(NOT delimiter EQUAL -1)
    message(FATAL_ERROR "${where}: holds the C++ raw string delimiter )lua\"")
  endif()
  write_if_changed("${OUT_DIR}/lua/${name}.lua" "${text}")

  camel_case("${name}" type)
  aggregate_code("${names_KEYS}" ${variadic_KEYS} keys_members keys_list)
  aggregate_code("${names_ARGV}" ${variadic_ARGV} args_members args_list)
  string(APPEND header_structs
    "// ${name}.lua\n"
    "struct ${type} {\n"
    "    struct Keys {\n${keys_members}"
    "        [[nodiscard]] std::vector<std::string> list() &&;\n"
    "    };\n"
    "    struct Args {\n${args_members}"
    "        [[nodiscard]] std::vector<std::string> list() &&;\n"
    "    };\n"
    "    static const redis::Script& script();\n"
    "};\n\n")
  string(APPEND source_texts "constexpr std::string_view ${name}_text = R\"lua(${text})lua\";\n\n")
  string(APPEND source_defs
    "const redis::Script& ${type}::script() {\n"
    "    static const redis::Script script{std::string(${name}_text)};\n"
    "    return script;\n"
    "}\n\n"
    "std::vector<std::string> ${type}::Keys::list() && {\n"
    "    std::vector<std::string> out;\n${keys_list}"
    "    return out;\n"
    "}\n\n"
    "std::vector<std::string> ${type}::Args::list() && {\n"
    "    std::vector<std::string> out;\n${args_list}"
    "    return out;\n"
    "}\n\n")
  string(APPEND all_entries "            &${type}::script(),\n")
endforeach()

foreach(lib IN LISTS library_names)
  if(NOT lib_used_${lib})
    message(FATAL_ERROR "${LUA_DIR}/lib/${lib}.lua: no script includes it")
  endif()
endforeach()

set(banner "// Generated from server/store/redis/lua/*.lua by server/store/redis/lua/embed_lua.cmake:
// do not edit (edit the .lua files; the build regenerates this).\n")
write_if_changed("${OUT_DIR}/store/redis/lua_scripts.hpp" "#pragma once
${banner}// One struct per script: script() is its text as Redis runs it; Keys and Args are its KEYS
// and ARGV positions by the names the script gives them, in order (store/redis/lua_call.hpp).

#include <string>
#include <vector>

#include \"redis/script.hpp\"
#include \"store/redis/lua_value.hpp\"

namespace muster::store::lua {

${header_structs}// Every script, for SCRIPT LOAD when a connection opens.
std::vector<const redis::Script*> all();

}  // namespace muster::store::lua
")
set(generated_header "store/redis/lua_scripts.hpp")
write_if_changed("${OUT_DIR}/store/redis/lua_scripts.cpp" "${banner}
#include \"${generated_header}\"

#include <string_view>
#include <utility>

namespace muster::store::lua {
namespace {

${source_texts}}  // namespace

${source_defs}std::vector<const redis::Script*> all() {
    return {
${all_entries}    };
}

}  // namespace muster::store::lua
")
