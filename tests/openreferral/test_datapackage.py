"""The staff CSV export as the Open Referral UK tabular data package: valid for frictionless
(every CSV against the package's table schemas), and every table and column as the official
HSDS 3.1 schema names them, with its required fields filled."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from frictionless import Package, system

from tests.openreferral.test_api import SCHEMAS
from tests.staff.conftest import sign_in

HSDS = json.loads(SCHEMAS["HSDS 3.1"].read_text())
# What the official schema calls each table's file, and the fields each table must fill.
OFFICIAL = {"service": HSDS} | HSDS["definitions"]
JSON_TO_TABLE = {"string": {"string", "date", "datetime"}, "number": {"number", "integer"}}


def test_the_package_is_valid_and_follows_hsds(app, tmp_path):
    commissioner = sign_in(app.test_client(), "commissioner")
    response = commissioner.get("/en/staff/directory/export-datapackage.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
    with system.use_context(trusted=True):
        report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]

    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        official = OFFICIAL[resource["name"]]
        assert resource["path"] == official["path"], resource["name"]
        properties = official["properties"]
        fields = resource["schema"]["fields"]
        for field in fields:
            assert field["name"] in properties, (resource["name"], field["name"])
            expected = properties[field["name"]]
            assert field["type"] in JSON_TO_TABLE[expected["type"]], (resource["name"], field)
            if expected.get("format") in ("uuid", "uri"):
                assert field.get("format") == expected["format"], (resource["name"], field)
        names = {f["name"] for f in fields}
        # Required fields; a nested object's (a service_capacity's unit) is its id in a table.
        scalar = {r for r in official.get("required", []) if "type" in properties[r]}
        must = scalar | set(official.get("tabular_required", []))
        assert must <= names, (resource["name"], must - names)
        with (tmp_path / resource["path"]).open(encoding="utf-8-sig", newline="") as table:
            for row in csv.DictReader(table):
                assert all(row[name] for name in must), (resource["name"], row)
    services = (tmp_path / "services.csv").read_text(encoding="utf-8-sig")
    assert "DESMOND" in services
    schedules = (tmp_path / "schedules.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(schedules) - 1 == 7  # the seeds' seven course runs
