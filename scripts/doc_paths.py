#!/usr/bin/env python3
"""Fails when documentation names a repository path that does not exist, or when the README's
"Layout" leaves a folder out, so that docs and comments cannot drift from the tree (a ctest,
`documented_paths_exist`, runs it).

What is read:
  - Markdown: README.md, every *.md under docs/, deploy/, bench/ and clients/ (not
    node_modules): the whole text.
  - Comments of the sources under server/ and tests/ (*.hpp, *.cpp, *.h, *.proto: `//` and
    `/* */`; CMakeLists.txt, *.cmake, *.py, *.sh: `#`; *.mjs, *.js, *.ts: `//`). String literals
    are not comments and are skipped (a test's JSON or URL is not a claim about the tree).

What counts as a path (a "word" of letters, digits, `_ . - / * < > { } ,` holding a `/`):
  - URLs (`scheme://...`), absolute paths (`/api/v1/...`, `/etc/...`) and paths leaving the
    repository (`../shared/...` from the root) are not checked.
  - `a/{b,c}.hpp` is expanded; `<placeholder>`, `*` and `…`/`...` are wildcards, and the
    pattern must match at least one file or folder.
  - A word is checked when its first segment is a top-level folder of the repository (server,
    docs, tests, clients, deploy, scripts, proto, bench; always checked), or when it names a
    file (its last segment has an extension such as .cpp, .hpp, .md, .proto, .lua, .py, .sh,
    .mjs, .ts, .conf, .json) or a folder (a trailing `/`) and its first segment is a folder
    found under one of the bases below (`redis/event_seq.hpp`, `store/sqlite/`).
    A slash between words (`push/store`, `read/write`) is prose, not a path, and is skipped.
  - It must exist relative to one of these bases: the repository root, `server/` (module
    paths such as `core/async.hpp`), `tests/`, `clients/`, the folder of the file naming it,
    or that folder's parent.
  - A bare file name in backquotes in Markdown (`ws_frame.cpp`, `rules.hpp`) must be the name
    of some file of the repository (.cpp .hpp .lua .py .sh .mjs; `.proto` names are also proto
    package names, as in `muster.v1.proto`, and only checked with a folder).
  - A name without an extension may stand for a file with one (`tests/unit/core/config_test`).
  - Paths through `build/`, `var/`, `node_modules/`, `dist/` or `gen/` are outputs, not checked.

The Layout check: the code block under "## Layout" in README.md names every top-level folder
(`deploy/`) and every folder of server/ (`server/core/`).

Exit status 1 with one line per stale name (file:line: path) when anything is wrong.
"""
import itertools
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_FOLDERS = ("server", "docs", "tests", "clients", "deploy", "scripts", "proto", "bench")
# Outputs of a build or a run: a path through one of these is not checked.
OUTPUT_SEGMENTS = {"build", "var", "node_modules", "dist", "gen", "e2e-output"}
FILE_EXTENSIONS = {
    "cpp", "hpp", "h", "md", "proto", "lua", "py", "sh", "mjs", "js", "ts", "tsx", "conf", "json",
    "txt", "cmake", "service", "ini", "svg", "png", "html", "css", "supp", "toml", "yaml", "yml",
}
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".proto", ".py", ".sh", ".mjs", ".js", ".ts", ".cmake"}
SKIPPED_DIRS = {"node_modules", "dist", "build", ".git"}

WORD = re.compile(r"[A-Za-z0-9_.\-/*<>{},…]+")


def tracked_files():
    """Every file of the work tree except outputs (git's view when available, so that an
    untracked scratch file does not make a stale name pass on the developer's machine only)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        files = [p for p in out.splitlines() if p]
    except (OSError, subprocess.CalledProcessError):
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    return [f for f in files if not set(Path(f).parts) & SKIPPED_DIRS and (ROOT / f).exists()]


FILES = tracked_files()
FILE_SET = set(FILES)
DIR_SET = {str(parent) for f in FILES for parent in Path(f).parents if str(parent) != "."}
BASENAMES = {Path(f).name for f in FILES}
STEMS = {str(Path(f).with_suffix("")) for f in FILES}


def exists(rel):
    rel = rel.rstrip("/")
    return rel in FILE_SET or rel in DIR_SET or rel in STEMS


def normalise(base, path):
    """base/path with `.` and `..` resolved, as a repository-relative string, or None when it
    leaves the repository."""
    parts = list(Path(base).parts) if base else []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def expand_braces(word):
    m = re.search(r"\{([^{}]*)\}", word)
    if not m:
        return [word]
    head, tail = word[: m.start()], word[m.end():]
    return list(itertools.chain.from_iterable(
        expand_braces(head + alt + tail) for alt in m.group(1).split(",")))


def matches_pattern(rel):
    """rel has wildcards: true when some file or folder matches it."""
    regex = re.escape(rel.rstrip("/"))
    regex = regex.replace(r"\*", "[^/]*")
    regex = re.sub(r"<[^>]*>|\\<[^>]*\\>", "[^/]+", regex)
    regex = regex.replace("…", ".*").replace(r"\.\.\.", ".*")
    pattern = re.compile(regex + "$")
    return any(pattern.match(p) for p in itertools.chain(FILE_SET, DIR_SET))


def bases_for(source):
    here = str(Path(source).parent)
    here = "" if here == "." else here
    parent = str(Path(here).parent) if here else ""
    parent = "" if parent == "." else parent
    return ["", "server", "tests", "clients", here, parent]


def resolves(path, source):
    wild = any(c in path for c in "*<>…") or "..." in path
    for base in bases_for(source):
        rel = normalise(base, path)
        if rel is None:
            continue
        if (matches_pattern(rel) if wild else exists(rel)):
            return True
    return False


def first_segment_is_a_folder(path, source):
    first = path.split("/", 1)[0]
    if first in ("", ".", ".."):
        return True
    for base in bases_for(source):
        rel = normalise(base, first)
        if rel and rel in DIR_SET:
            return True
    return False


def checked(word, source):
    """The path a word names when it is to be checked, else None."""
    word = word.lstrip("(").rstrip(".,;:)")
    word = word.rstrip(",")
    if "/" not in word or word.startswith("/") or "//" in word:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", word):  # scheme:...
        return None
    first = word.split("/", 1)[0]
    if set(word.split("/")) & OUTPUT_SEGMENTS or first.startswith("$"):
        return None
    if source.count("/") == 0 and word.startswith("../"):  # outside the repository
        return None
    last = word.rstrip("/").rsplit("/", 1)[-1]
    extension = last.rsplit(".", 1)[-1] if "." in last else ""
    names_file = extension in FILE_EXTENSIONS or extension.startswith("{")
    names_folder = word.endswith("/")
    if first in TOP_FOLDERS:
        return word
    if (names_file or names_folder) and first_segment_is_a_folder(word, source):
        return word
    return None


def strip_strings(line):
    """A C-family line with its string and character literals blanked."""
    return re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])\'', '""', line)


def comments(path, text):
    """(line number, comment text) of a source file."""
    suffix = path.suffix
    hash_comments = path.name in ("CMakeLists.txt", "Makefile") or suffix in (".cmake", ".py", ".sh")
    in_block = False
    for number, line in enumerate(text.splitlines(), 1):
        if hash_comments:
            code = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', line)
            if "#" in code:
                yield number, code[code.index("#") + 1:]
            continue
        if in_block:
            end = line.find("*/")
            yield number, line if end < 0 else line[:end]
            if end < 0:
                continue
            in_block = False
            line = line[end + 2:]
        code = strip_strings(line)
        while True:
            slash = code.find("//")
            block = code.find("/*")
            if slash >= 0 and (block < 0 or slash < block):
                yield number, code[slash + 2:]
                break
            if block >= 0:
                end = code.find("*/", block + 2)
                if end < 0:
                    yield number, code[block + 2:]
                    in_block = True
                    break
                yield number, code[block + 2:end]
                code = code[end + 2:]
                continue
            break


def words_of(text):
    return WORD.findall(text)


def check_text(source, number, text, markdown, problems):
    for word in words_of(text):
        path = checked(word, source)
        if path is None:
            continue
        CHECKED.append(path)
        for alternative in expand_braces(path):
            if not resolves(alternative, source):
                problems.append(f"{source}:{number}: {alternative}")
    if markdown:
        for name in re.findall(r"`([A-Za-z0-9_.-]+\.(?:cpp|hpp|lua|py|sh|mjs))`", text):
            if name not in BASENAMES:
                problems.append(f"{source}:{number}: {name} (no file of that name)")
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if re.match(r"^[a-z]+:", target) or target.startswith("/"):
                continue
            rel = normalise(str(Path(source).parent), target)
            if rel is None or not exists(rel):
                problems.append(f"{source}:{number}: link {target}")


def markdown_files():
    for f in FILES:
        p = Path(f)
        if p.suffix != ".md":
            continue
        if len(p.parts) == 1 and p.name == "README.md":
            yield f
        elif p.parts[0] in ("docs", "deploy", "bench", "clients"):
            yield f


def source_files():
    for f in FILES:
        p = Path(f)
        if p.parts[0] not in ("server", "tests", "scripts", "bench", "proto", "clients") \
                and f not in ("CMakeLists.txt", "Makefile"):
            continue
        if p.suffix in SOURCE_SUFFIXES or p.name in ("CMakeLists.txt", "Makefile"):
            yield f


def layout_problems():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        return ["README.md: no \"## Layout\" section"]
    block = re.search(r"```\n(.*?)```", m.group(1), re.S)
    named = set()
    for path in re.findall(r"(?<![\w/])([\w.-]+(?:/[\w.-]+)*)/", block.group(1) if block else ""):
        parts = path.split("/")
        named |= {"/".join(parts[:n]) for n in range(1, len(parts) + 1)}
    wanted = sorted({Path(f).parts[0] for f in FILES if len(Path(f).parts) > 1
                     and not Path(f).parts[0].startswith(".")})
    wanted += sorted({"server/" + Path(f).parts[1] for f in FILES
                      if len(Path(f).parts) > 2 and Path(f).parts[0] == "server"})
    return [f"README.md: Layout does not name {w}/" for w in wanted if w not in named]


CHECKED = []


def main():
    problems = []
    for f in markdown_files():
        in_fence = False
        for number, line in enumerate((ROOT / f).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("```"):
                in_fence = not in_fence
            check_text(f, number, line, True, problems)
    for f in source_files():
        path = ROOT / f
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, comment in comments(path, text):
            check_text(f, number, comment, False, problems)
    problems += layout_problems()
    for p in problems:
        print(p)
    if "-v" in sys.argv:
        print(f"{len(CHECKED)} path names checked")
    if problems:
        print(f"{len(problems)} stale path(s): fix the text or the tree (rules: scripts/doc_paths.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
