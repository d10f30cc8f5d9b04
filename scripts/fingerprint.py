"""Fingerprint and pre-compress the built assets (run after `npm run build`).

Each stylesheet and script gets its content hash in its name, so it can be cached for a year;
a gzip copy sits beside every text asset; assets-manifest.json maps plain names to hashed ones.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

FINGERPRINTED = ("nhsuk-frontend.min.js", "finder.js", "finder.css", "finder.rtl.css")
COMPRESSED = (".css", ".js", ".svg", ".json", ".ico")


def hashed(path: Path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:12]
    stem, _, suffix = path.name.partition(".")
    return path.with_name(f"{stem}.{digest}.{suffix}")


def main(folder: Path) -> None:
    manifest: dict[str, str] = {}
    for name in FINGERPRINTED:  # nhsuk-frontend first: finder.js imports it by name
        path = folder / name
        data = path.read_bytes()
        if name == "finder.js":
            data = data.replace(
                b"./nhsuk-frontend.min.js", f"./{manifest['nhsuk-frontend.min.js']}".encode()
            )
        target = hashed(path, data)
        target.write_bytes(data)
        path.unlink()
        manifest[name] = target.name
    (folder / "assets-manifest.json").write_text(json.dumps(manifest, indent=2))
    for path in folder.rglob("*"):
        if path.suffix in COMPRESSED and path.is_file():
            path.with_name(path.name + ".gz").write_bytes(
                gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
            )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/assets"))
