"""Validate the directory's Open Referral UK documents against the official schemas.

Prints the number of schema errors (jsonschema, Draft 2020-12, format checker on) per schema
for the staff export's services, and, when the app serves it, for every /openreferral/ page.
Usage: .venv/bin/python scripts/oruk_check.py   (makes its own seeded SQLite database)
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STANDARDS = Path("/work/shared/reference/standards")
SCHEMAS = {
    "HSDS 3.1": STANDARDS / "hsds-3.1/service_with_definitions.json",
    "UK profile": STANDARDS / "oruk-uk-profile/service_with_definitions.json",
}


def validators() -> dict[str, Draft202012Validator]:
    return {
        name: Draft202012Validator(
            json.loads(path.read_text()), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, path in SCHEMAS.items()
    }


def main() -> None:
    from flask_migrate import upgrade

    from finder import clock
    from finder.seeding import seed
    from tests.conftest import make_app

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/check.db")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            seed(ROOT / "seeds", clock.today(), demo=True, demo_password="not-used")  # noqa: S106
            from finder.commissioning import hsds

            exported = hsds.export()
            services = exported.get("contents") or exported["services"]
        for name, validator in validators().items():
            kinds: Counter[str] = Counter()
            for service in services:
                for error in validator.iter_errors(service):
                    kinds[f"{error.validator}: {'/'.join(map(str, error.absolute_path))[:60]}"] += 1
            print(f"staff export, {name}: {sum(kinds.values())} errors in {len(services)} services")
            for kind, n in kinds.most_common(8):
                print(f"    {n:4d}  {kind}")


if __name__ == "__main__":
    main()
