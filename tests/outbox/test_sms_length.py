"""Every text message fits in SMS_FRAGMENTS fragments in every site language, counted as the
networks count them (3GPP TS 23.038): GSM-7 if every character is in its default alphabet
(extension characters take two septets), 160 in one fragment or 153 per fragment of a longer
message; otherwise UCS-2, 70 or 67 per fragment (UTF-16 code units)."""

from __future__ import annotations

import math

import pytest
from flask_babel import force_locale

from finder.outbox.texts import TEMPLATES
from finder.policy import LANGUAGES, SMS_FRAGMENTS

# GSM 03.38 default alphabet and its extension table, written out from the standard.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def fragments(text: str) -> int:
    if all(c in GSM7 or c in GSM7_EXTENSION for c in text):
        septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ş" * 70, 1),
        ("ş" * 71, 2),
        ("ş" * 134, 2),
        ("ş" * 135, 3),
    ],
)
def test_the_counting_itself(text, expected):
    assert fragments(text) == expected


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(n for n, t in TEMPLATES.items() if t.sms is not None))
def test_every_text_message_fits_in_two_fragments(app, name, language):
    template = TEMPLATES[name]
    # Each placeholder at its longest (a reference, DE-ABCD-EFGH, is in GSM-7).
    longest = {field: "W" * size for field, size in template.fields.items()}
    assert template.sms is not None
    with app.test_request_context(), force_locale(language):
        text = str(template.sms) % longest
    assert fragments(text) <= SMS_FRAGMENTS, (language, len(text), text)
