"""NHS numbers: the Modulus 11 check (NHS Data Dictionary) and the 3 3 4 display format."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]")


def normalise(value: str) -> str:
    return _SEPARATORS.sub("", value)


def is_valid(value: str) -> bool:
    digits = normalise(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def display(value: str) -> str:
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
