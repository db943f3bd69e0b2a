#!/usr/bin/env python3
"""Writes docs/CONFIGURATION.md from server/core/config.hpp, the one place where every key,
its default and its meaning are declared. `--check` exits 1 when the document is stale (a test
runs it, so the documentation cannot drift from the code)."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "server/core/config.hpp"
DOC = ROOT / "docs/CONFIGURATION.md"

INTRO = """# Configuration

Generated from `server/core/config.hpp` by `scripts/config_doc.py`; do not edit by hand.

Every key can be set three ways; the first that sets a key wins:

1. on the command line: `musterd --limits.max_frame_bytes=131072`
2. in the environment: `MUSTER_<SECTION>_<KEY>`, e.g. `MUSTER_LIMITS_MAX_FRAME_BYTES=131072`,
   and the short names `MUSTER_LISTEN` (server.listen), `MUSTER_DATA_DIR` (server.data_dir),
   `MUSTER_JWT_SECRET` (auth.jwt_secret), `MUSTER_REDIS_URL` (redis.url),
   `MUSTER_LOG_LEVEL` (server.log_level)
3. in the INI file given by `musterd --config FILE`:

```ini
[server]
listen = 0.0.0.0:8080
[auth]
jwt_secret = <openssl rand -base64 48>
```

`musterd --help` lists every key with its default. A value that cannot be parsed, or a
combination that makes no sense (e.g. `limits.idle_timeout_s` not above
`limits.ping_interval_s`, or `limits.command_burst` below `limits.max_subscriptions` + 8),
stops musterd at start with a message naming the key. So do limits under which some event
would take more than a quarter of `limits.outbound_queue_bytes` in either encoding (the message
names the event type and the limits to change), and a `limits.history_max_bytes` over half of
it. Unless `server.listen` is a loopback address, an HS256 `auth.jwt_secret` must be at least
32 bytes and not a sample value ("change-me"). An embedded node (no `redis.url`) locks its
`server.data_dir`: a second node on the same directory is refused at start.
"""


def joined_declarations(lines):
    """The lines of a struct body, with a declaration that clang-format wrapped over several
    lines (`type name =` then `value;  // comment`) joined back into one."""
    out = []
    for raw in lines:
        line = raw.strip()
        if out and out[-1].rstrip().endswith("=") and not out[-1].strip().startswith("//"):
            out[-1] = out[-1].rstrip() + " " + line
        else:
            out.append(raw)
    return out


def parse():
    text = HEADER.read_text(encoding="utf-8")
    sections = {}
    order = []
    # struct FooConfig { ... };  -> fields;  struct Config { FooConfig foo; ... } -> names
    for struct, body in re.findall(r"struct (\w+)Config \{(.*?)\n\};", text, re.S):
        if struct == "":
            continue
        fields = []
        pending_comment = []
        for raw in joined_declarations(body.splitlines()):
            line = raw.strip()
            # A comment indented past the fields continues the previous field's own comment.
            if line.startswith("//") and fields and raw.startswith(" " * 5) and not pending_comment:
                name, ctype, default, desc = fields[-1]
                more = line[2:].strip().replace("|", "\\|")
                fields[-1] = (name, ctype, default, f"{desc} {more}")
                continue
            if line.startswith("//"):
                pending_comment.append(line[2:].strip())
                continue
            m = re.match(r"([\w:<>]+)\s+(\w+)\s*(?:=\s*([^;]+))?;\s*(?://\s*(.*))?$", line)
            if m:
                ctype, name, default, comment = m.groups()
                desc = " ".join(pending_comment + ([comment] if comment else []))
                fields.append((name, ctype, (default or '""').strip(), desc.replace("|", "\\|")))
            pending_comment = []
        # Every declaration must have been read: one that the pattern missed would silently
        # leave a key undocumented while --check passes.
        code = [re.sub(r"//.*", "", re.sub(r"\"[^\"]*\"", "\"\"", line)) for line in body.splitlines()]
        declared = sum(part.count(";") for part in code)
        if declared != len(fields):
            sys.exit(f"config_doc: {struct}Config declares {declared} fields, {len(fields)} were read: "
                     "write each as `type name = default;  // meaning`")
        sections[struct] = fields
    members = re.search(r"struct Config \{(.*?)\n\};", text, re.S).group(1)
    for ctype, name in re.findall(r"(\w+)Config (\w+);", members):
        order.append((name, ctype))
    return sections, order


def pretty_default(ctype, default):
    if ctype == "std::string":
        value = default.strip('"')
        return f"`{value}`" if value else "(empty)"
    return f"`{default.replace(chr(39), '')}`"


def render():
    sections, order = parse()
    out = [INTRO]
    for name, ctype in order:
        out.append(f"\n## [{name}]\n\n| key | default | meaning |\n| --- | --- | --- |")
        for field, ftype, default, desc in sections.get(ctype, []):
            out.append(f"| `{name}.{field}` | {pretty_default(ftype, default)} | {desc} |")
    return "\n".join(out) + "\n"


def main():
    doc = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != doc:
            print("docs/CONFIGURATION.md is stale: run scripts/config_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
