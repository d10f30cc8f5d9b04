"""Every CSV export is safe to open in a spreadsheet and keeps names in any script.

Read back with Python's csv module (the oracle), as a spreadsheet would split the cells."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

BOM = b"\xef\xbb\xbf"
FORMULAS = ('=HYPERLINK("http://evil","x")', "@SUM(1)", "+1+1", "-2+3", " =1+1", "\t=1+1")
BENGALI = "রহিমা বেগম"


def download(client: FlaskClient, path: str, filename: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    body = response.get_data()
    assert body.startswith(BOM), body[:10]
    return body[len(BOM) :]


def records(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_the_referrals_export_neutralises_formulas_and_keeps_bengali(signed_in, make_referral):
    made = {make_referral(name=name): name for name in (*FORMULAS, BENGALI, "Ann Smith")}
    body = download(signed_in("clinician"), "/en/staff/referrals.csv", "referrals.csv")
    names = {row["reference"]: row["name"] for row in records(body) if row["reference"] in made}
    assert names == {
        ref: name if name in (BENGALI, "Ann Smith") else "'" + name for ref, name in made.items()
    }
