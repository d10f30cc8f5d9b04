"""S18: after the whole suite has run (this file sorts last), the app's logs hold no personal
data: no NHS number, email address or phone number, and no query string."""

from __future__ import annotations

import json
import re

from tests.conftest import LogCollector

PERSONAL = {
    "NHS number": re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": re.compile(r"(?<!\d)0\d{3,4}[ ]?\d{3}[ ]?\d{3,4}(?!\d)"),
    "query string": re.compile(r"\?[\w%]+="),
}


def test_s18_the_logs_of_the_whole_run_hold_no_personal_data():
    lines = LogCollector.lines
    assert lines, "the suite logged something (errors, denied access) to check"
    # What the app wrote (the correlation id is random hex, so it is left out of the scan).
    texts = [
        " ".join(str(v) for k, v in json.loads(line).items() if k != "request_id") for line in lines
    ]
    for name, pattern in PERSONAL.items():
        leaked = [text for text in texts if pattern.search(text)]
        assert not leaked, f"{name} in the logs: {leaked[:2]}"
