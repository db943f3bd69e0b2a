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

With --roots DIR (run by CMake at configure time): the include root of every module of server/,
so that the compiler holds the same table. DIR/<module>/ (`store-sqlite` for `store/sqlite`) gets a symbolic link, at the header's
path under server/, to each header the module may see: its own headers (private ones too),
the public headers of the modules its row allows (may include and known exceptions), and every
header those include in turn, transitively (a public header of `node` that includes
`hub/hub.hpp` brings that one header, not the rest of `hub`). A header is private to its module
when its path has an `internal` folder (`server/node/internal/node_core.hpp`): no other
module's root has it, and a public header that includes one fails here. Also writes
DIR/sources.cmake, setting each source file's INCLUDE_DIRECTORIES to its module's root. Links
already right are left alone (their targets' times are what the build compares), stale ones
removed.
"""
import functools
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


HEADER_SUFFIXES = {".hpp", ".h"}


def is_private(rel):
    """A header only its own module sees: one under an `internal/` folder."""
    return "internal" in Path(rel).parts[:-1]


@functools.lru_cache(maxsize=None)
def quoted_includes(rel):
    """The repository paths of the quoted includes of a file that exist in the repository."""
    found = []
    for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
        m = INCLUDE.match(line)
        if m and m.group(1) == '"':
            resolved = resolve(m.group(2), rel)
            if resolved and resolved.startswith("server/"):
                found.append(resolved)
    return tuple(found)


def server_files(suffixes):
    for path in sorted((ROOT / "server").rglob("*")):
        if path.suffix in suffixes and path.is_file():
            rel = str(path.relative_to(ROOT))
            if module_of(rel) is not None:
                yield rel


def roots(rows):
    """({module: set of headers (repository paths) its root holds}, problems)."""
    headers = defaultdict(set)  # module -> its headers
    for rel in server_files(HEADER_SUFFIXES):
        headers[module_of(rel)].add(rel)
    modules = set(headers) | {module_of(rel) for rel in server_files({".cpp", ".cc"})}
    problems = []
    reported = set()
    result = {}
    for module in sorted(modules):
        allowed, exceptions = rows.get(module, (set(), set()))
        seen = set(headers[module])
        todo = list(seen)
        for other in sorted(allowed | exceptions):
            for rel in sorted(headers.get(other, ())):
                if not is_private(rel) and rel not in seen:
                    seen.add(rel)
                    todo.append(rel)
        while todo:
            rel = todo.pop()
            for target in quoted_includes(rel):
                if target in seen:
                    continue
                if is_private(target) and module_of(target) != module_of(rel):
                    if (rel, target) not in reported:
                        reported.add((rel, target))
                        problems.append(f"{rel} includes {target}, private to "
                                        f"{module_of(target)}")
                    continue
                seen.add(target)
                todo.append(target)
        result[module] = seen
    return result, problems


def root_folder(module):
    """A module's root folder under DIR: flat, so that no root lies inside another."""
    return module.replace("/", "-")


def write_roots(rows, out):
    """Makes out/<module>/ (symbolic links) and out/sources.cmake; returns the problems."""
    result, problems = roots(rows)
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for module, headers in sorted(result.items()):
        base = out / root_folder(module)
        wanted = {base / Path(rel).relative_to("server"): ROOT / rel for rel in headers}
        if base.exists():
            for path in sorted(base.rglob("*"), reverse=True):
                if path.is_symlink() and path not in wanted:
                    path.unlink()
                elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
                    path.rmdir()
        for link, target in sorted(wanted.items()):
            if link.is_symlink() and Path(link.readlink()) == target:
                continue
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target)
    lines = ["# Generated by scripts/layering.py --roots: each source of server/ compiles with "
             "its module's include root."]
    for rel in server_files({".cpp", ".cc"}):
        lines.append(f'set_source_files_properties("{ROOT / rel}" PROPERTIES '
                     f'INCLUDE_DIRECTORIES "{out / root_folder(module_of(rel))}")')
    text = "\n".join(lines) + "\n"
    cmake = out / "sources.cmake"
    if not cmake.exists() or cmake.read_text(encoding="utf-8") != text:
        cmake.write_text(text, encoding="utf-8")
    return problems


def main():
    rows = table()
    if "--roots" in sys.argv:
        problems = write_roots(rows, Path(sys.argv[sys.argv.index("--roots") + 1]))
        for p in problems:
            print(p)
        return 1 if problems else 0
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
