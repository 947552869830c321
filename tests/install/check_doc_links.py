#!/usr/bin/env python3
"""Every relative link in the installed README.md and docs/*.md must point at a
file that exists in the install tree (share/doc/getxapi/).
Usage: check_doc_links.py DOCDIR"""
import pathlib
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def relative_links(text):
    # Code blocks hold C++ and shell, not links.
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


def main():
    docdir = pathlib.Path(sys.argv[1])
    pages = [docdir / "README.md"] + sorted((docdir / "docs").glob("*.md"))
    missing_pages = [p for p in pages if not p.is_file()]
    if missing_pages or len(pages) < 2:
        sys.exit(f"not installed: {missing_pages or 'docs/*.md'}")
    broken, checked = [], 0
    for page in pages:
        for target in relative_links(page.read_text()):
            checked += 1
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(docdir)}: {target}")
    for example in ("quickstart.cpp",):
        if not (docdir / "examples" / example).is_file():
            broken.append(f"examples/{example} not installed")
    print(f"{len(pages)} pages, {checked} relative links checked")
    if broken:
        sys.exit("broken links in the installed docs:\n  " + "\n  ".join(broken))


main()
