#!/usr/bin/env python3
"""Fails when a source file imports a module the architecture forbids.

The rules come from docs/ARCHITECTURE.md, section 2 (the table "module | owns | may import"): each
module of Sources/ may import only the modules its row names (project modules and packages), plus the
platform modules (Foundation, Glibc, ...) unless its row says "no Foundation". "all of the above" means
every module in the rows above it. Also checked:
  - every import of a project module or package is declared in Package.swift for that target
    (`swift package dump-package`), so nothing reaches a module only through another target's dependency;
  - Glibc / Darwin are imported only inside `#if canImport(...)` / `#if os(...)`;
  - tests import only project modules their test target declares, TestSupport, packages and platform modules.

Usage: scripts/check-imports.py [--root DIR] [--no-package]   (exit 1 and one line per violation)
"""
import json, os, re, subprocess, sys

PLATFORM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Darwin", "Dispatch",
            "Synchronization", "_Concurrency", "Swift", "os"}
GUARDED = {"Glibc", "Darwin"}
IMPORT_RE = re.compile(r'^\s*(?:@[\w(:, ")]+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?'
                       r'import\s+(?:(?:struct|class|enum|protocol|typealias|func|var|let)\s+)?([A-Za-z_][\w]*)')


def parse_table(root):
    text = open(os.path.join(root, "docs/ARCHITECTURE.md"), encoding="utf-8").read()
    section = text.split("## 2. Modules", 1)[1].split("\n## ", 1)[0]
    rows, order = {}, []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        module = cells[0].strip("`")
        allowed_text = cells[-1]
        allowed, no_platform = set(), "no Foundation" in cells[1]
        if "all of the above" in allowed_text:
            allowed |= set(order)
        for name in re.findall(r"`?([A-Za-z_][\w]*)`?", re.sub(r"\([^)]*\)", "", allowed_text)):
            if name not in {"all", "of", "the", "above", "FFmpeg", "headers"}:
                allowed.add(name)
        rows[module] = (allowed, no_platform)
        order.append(module)
    if not rows:
        sys.exit("check-imports: no module table found in docs/ARCHITECTURE.md section 2")
    # "Only `MediaIO` imports `CFFmpeg`, only `Catalog` imports GRDB": exclusive even under "all of the above".
    for owner, dep in re.findall(r"[Oo]nly `(\w+)` imports `?(\w+)`?", section):
        for module, (allowed, _) in rows.items():
            if module != owner:
                allowed.discard(dep)
    return rows


def package_dependencies(root):
    """target name -> (declared module names, kind, path) from `swift package dump-package`."""
    # A scratch folder of its own: dump-package then never waits for a build holding .build's lock.
    scratch = os.path.join(root, ".build-check-imports")
    out = subprocess.run(["swift", "package", "--scratch-path", scratch, "dump-package"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    pkg = json.loads(out)
    targets = {}
    for t in pkg["targets"]:
        deps = set()
        for d in t.get("dependencies", []):
            for kind in ("byName", "target"):
                if kind in d:
                    deps.add(d[kind][0])
            if "product" in d:
                deps.add(d["product"][0])
        path = t.get("path") or ("Tests/" if t["type"] == "test" else "Sources/") + t["name"]
        targets[t["name"]] = (deps, t["type"], path)
    return targets


def imports_of(path):
    """(line number, module, guarded) for each import in a Swift file."""
    result, conditions, in_string = [], [], False
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        s = line.strip()
        if line.count('"""') % 2 == 1:  # a multi-line string literal opens or closes: its text is not code
            in_string = not in_string
            continue
        if in_string:
            continue
        if s.startswith("#if"):
            conditions.append(s)
        elif s.startswith("#elseif"):
            if conditions:
                conditions[-1] = s
        elif s.startswith("#endif"):
            if conditions:
                conditions.pop()
        m = IMPORT_RE.match(line)
        if m and not s.startswith("//"):
            guarded = any("canImport(" in c or "os(" in c for c in conditions)
            result.append((n, m.group(1), guarded))
    return result


def swift_files(folder):
    for dirpath, _, files in os.walk(folder):
        for f in sorted(files):
            if f.endswith(".swift"):
                yield os.path.join(dirpath, f)


def main():
    root = os.path.abspath(sys.argv[sys.argv.index("--root") + 1]) if "--root" in sys.argv else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = parse_table(root)
    targets = {} if "--no-package" in sys.argv else package_dependencies(root)
    project = set(targets) | set(rows)
    errors = []
    for name, (deps, kind, tpath) in sorted(targets.items()) or [(m, (set(), "regular", "Sources/" + m)) for m in rows]:
        folder = os.path.join(root, tpath)
        if not os.path.isdir(folder) or kind == "system":
            continue
        in_tests = tpath.startswith("Tests/")
        rule = rows.get(name)
        if kind not in ("test",) and rule is None and tpath.startswith("Sources/"):
            errors.append(f"{tpath}: module {name} has no row in docs/ARCHITECTURE.md section 2")
            continue
        for f in swift_files(folder):
            rel = os.path.relpath(f, root)
            for n, mod, guarded in imports_of(f):
                where = f"{rel}:{n}: {name} imports {mod}"
                if mod in GUARDED and not guarded:
                    errors.append(f"{where} without #if canImport({mod}) around it")
                if mod in PLATFORM or mod == "Testing" and in_tests or mod == name:
                    if rule and rule[1] and mod in PLATFORM:
                        errors.append(f"{where}: the architecture says {name} uses no Foundation or platform library")
                    continue
                if rule is not None and mod not in rule[0]:
                    allowed = ", ".join(sorted(rule[0])) or "nothing"
                    errors.append(f"{where}: forbidden by docs/ARCHITECTURE.md ({name} may import {allowed})")
                    continue
                if targets and mod not in deps:
                    errors.append(f"{where}: not declared in Package.swift ({name}'s dependencies: {', '.join(sorted(deps)) or 'none'})")
    for e in errors:
        print("check-imports: " + e)
    if errors:
        print(f"check-imports: {len(errors)} forbidden or undeclared import(s)")
        return 1
    print(f"check-imports: ok ({sum(1 for t in targets) or len(rows)} targets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
