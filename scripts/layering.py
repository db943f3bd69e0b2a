#!/usr/bin/env python3
"""Fails when a source file includes a module its module may not include: the include graph of
server/ and clients/ against the table of allowed edges in docs/ARCHITECTURE.md ("Module
edges"), so the layering cannot drift (a ctest, `layering_matches_architecture`, runs it).

Modules (a file belongs to the first rule that matches):
  - server/store/sqlite/                            -> store/sqlite
  - server/store/redis/                             -> store/redis
  - server/bus/redis/ and server/bus/redis_*        -> bus/redis
  - server/features/<f>/                            -> features/<f>
  - server/<m>/                                     -> <m> (core, protocol, net, hub, bus, store,
                                                       redis, node, push, asio, sqlite, ...)
  - server/main.cpp                                 -> main
  - clients/<c>/                                    -> clients/<c>
  - generated protobuf headers (`muster/v1/*.pb.h`) -> proto
  - third-party headers fenced to a few modules: hiredis (`<hiredis/...>`), sqlite3
    (`<sqlite3.h>`), beast (`<boost/beast...>`), curl (`<curl/...>`), uring (`<liburing.h>`).
    Boost.Asio, Boost.JSON, protobuf and the standard library are everyone's.
A file including a header of its own module is no edge. Tests are not checked.

The table: one row per module, `| module | may include | known exceptions |`. The second column
lists the modules it may include; the third, edges that exist today but are wrong (each with a
reason in the text): they pass, and the script fails once one is gone so the table shrinks with
the code. A module without a row may include nothing.

Exit status 1, printing every offending `file:line: #include ...` with its edge.

With --links: the libraries each module's target declares in server/CMakeLists.txt (LIBS)
against the same table (the ctest `module_links_match_architecture`).
"""
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs/ARCHITECTURE.md"
THIRD_PARTY = [
    (re.compile(r"hiredis/"), "hiredis"),
    (re.compile(r"sqlite3\.h$"), "sqlite3"),
    (re.compile(r"boost/beast"), "beast"),
    (re.compile(r"curl/"), "curl"),
    (re.compile(r"liburing\.h$"), "uring"),
]
SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".cc"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of(rel):
    """The module of a repository-relative path, or None when it is not checked."""
    parts = rel.split("/")
    if parts[0] == "server":
        if len(parts) == 2:
            return "main" if parts[1] == "main.cpp" else None
        top = parts[1]
        if top == "features" and len(parts) > 3:
            return "features/" + parts[2]
        if top in ("store", "bus") and len(parts) > 3 and parts[2] in ("sqlite", "redis"):
            return f"{top}/{parts[2]}"
        if top == "bus" and parts[-1].startswith("redis_"):
            return "bus/redis"
        return top
    if parts[0] == "clients" and len(parts) > 2 and parts[1] in ("lib", "cli", "loadgen"):
        return "clients/" + parts[1]
    return None


def resolve(target, source):
    """The repository path a quoted include names: relative to the including file, then to the
    include roots (server/, the repository, clients/lib/)."""
    for base in (Path(source).parent, Path("server"), Path(""), Path("clients/lib")):
        candidate = base / target
        if (ROOT / candidate).is_file():
            return str(candidate)
    return None


def edges():
    """{(from, to): [(file, line number, text)]} over server/ and clients/."""
    found = defaultdict(list)
    for top in ("server", "clients"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or "node_modules" in path.parts:
                continue
            rel = str(path.relative_to(ROOT))
            source_module = module_of(rel)
            if source_module is None:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, target = m.groups()
                to = None
                if target.endswith(".pb.h") and target.startswith("muster/"):
                    to = "proto"
                elif kind == '"':
                    resolved = resolve(target, rel)
                    to = module_of(resolved) if resolved else None
                if to is None:
                    for pattern, name in THIRD_PARTY:
                        if pattern.search(target):
                            to = name
                            break
                if to is None or to == source_module:
                    continue
                found[(source_module, to)].append((rel, number, line.strip()))
    return found


def table():
    """{module: (allowed set, exceptions set)} from the "Module edges" table."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"^## Module edges\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        sys.exit(f"{DOC}: no \"## Module edges\" section")
    rows = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        names = [re.findall(r"`([^`]+)`", c) for c in cells]
        rows[names[0][0]] = (set(names[1]), set(names[2]))
    return rows


# Libraries that are not modules of server/ but stand for one in the table. muster_asio is not
# here: it is Boost.Asio's and Beast's compiled part, and Asio is everyone's.
TARGET_MODULES = {"muster_proto": {"proto"}}
# Third-party libraries fenced to a few modules (the others are everyone's).
FENCED_LIBS = {"PkgConfig::HIREDIS": "hiredis", "SQLite::SQLite3": "sqlite3",
               "CURL::libcurl": "curl", "PkgConfig::URING": "uring"}
MODULE_CALL = re.compile(r"muster_module\((\w+)(.*?)\)", re.S)


def cmake_modules(rows):
    """{target: (modules it builds, the libraries it declares)} from server/CMakeLists.txt."""
    text = (ROOT / "server/CMakeLists.txt").read_text(encoding="utf-8")
    text = re.sub(r"#[^\n]*", "", text)
    found = {}
    for name, args in MODULE_CALL.findall(text):
        if name == "name":  # the function's own definition
            continue
        words = args.split()
        dirs, libs, into = [], [], None
        for word in words:
            if word in ("DIRS", "LIBS"):
                into = dirs if word == "DIRS" else libs
            elif into is not None:
                into.append(word)
        modules = set()
        for d in dirs:
            # A folder builds its own module and its backends' (store -> store/sqlite, ...).
            modules |= {m for m in rows if m == d or m.startswith(d + "/")} or {d}
        found[name] = (modules, libs)
    return found


def check_links(rows):
    """Every library a module's target declares (CMake LIBS) must be one its modules may
    include: the include graph says what the code names, this says what the build links, and
    each module's link check (server/CMakeLists.txt: the module alone, whole, with only what
    it declares) says that the code calls nothing else."""
    targets = cmake_modules(rows)
    modules_of = {t: m for t, (m, _) in targets.items()} | TARGET_MODULES
    problems = []
    for target, (modules, libs) in sorted(targets.items()):
        for lib in libs:
            if lib in modules_of:
                wanted = modules_of[lib]
            elif lib in FENCED_LIBS:
                wanted = {FENCED_LIBS[lib]}
            else:
                continue
            ok = any(w in rows.get(m, (set(), set()))[0] | rows.get(m, (set(), set()))[1]
                     or w == m for m in modules for w in wanted)
            if not ok:
                problems.append(f"server/CMakeLists.txt: {target} links {lib}, but none of "
                                f"{sorted(modules)} may include {sorted(wanted)} "
                                "(docs/ARCHITECTURE.md, Module edges)")
    return problems


def main():
    rows = table()
    if "--links" in sys.argv:
        problems = check_links(rows)
        for p in problems:
            print(p)
        return 1 if problems else 0
    graph = edges()
    problems = []
    for (source, to), places in sorted(graph.items()):
        allowed, exceptions = rows.get(source, (set(), set()))
        if to in allowed or to in exceptions:
            continue
        problems.append(f"{source} -> {to} is not in the table of docs/ARCHITECTURE.md:")
        problems += [f"  {file}:{number}: {text}" for file, number, text in places]
    for source, (allowed, exceptions) in sorted(rows.items()):
        for to in sorted(exceptions):
            if (source, to) not in graph:
                problems.append(f"{source} -> {to}: a known exception that no longer exists; "
                                "remove it from the table")
        for to in sorted(allowed & exceptions):
            problems.append(f"{source} -> {to}: both allowed and an exception")
    if "-v" in sys.argv:
        for (source, to), places in sorted(graph.items()):
            flag = " (exception)" if to in rows.get(source, (set(), set()))[1] else ""
            print(f"{source} -> {to}: {len(places)}{flag}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
