"""NHS numbers: the Modulus 11 check (NHS Data Dictionary), the issued ranges (policy) and the
3 3 4 display format."""

from __future__ import annotations

import re

from finder.policy import NHS_NUMBER_RANGES

_SEPARATORS = re.compile(r"[\s-]")


def normalise(value: str) -> str:
    return _SEPARATORS.sub("", value)


def problem(value: str) -> str | None:
    """Why ``value`` is not an NHS number: "format" (not 10 digits or the check digit is
    wrong), "repeated" (one digit ten times), "not_issued" (outside every issued range); None
    if it is one."""
    digits = normalise(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return "format"
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        return "format"
    if len(set(digits)) == 1:
        return "repeated"
    if not any(low <= int(digits) <= high for low, high in NHS_NUMBER_RANGES):
        return "not_issued"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def display(value: str) -> str:
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
