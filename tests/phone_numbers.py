"""UK phone numbers written by hand, for the forms that take one (the oracle: Ofcom's
numbering plan and its ranges kept for drama, read by a person, not by phonenumbers)."""

from __future__ import annotations

# As typed, and as stored (E.164: +44, then the number without its leading 0).
VALID = [
    ("020 7946 0000", "+442079460000"),
    ("020 7946 0999", "+442079460999"),
    ("02079460123", "+442079460123"),
    ("(020) 7946-0123", "+442079460123"),
    ("+44 20 7946 0123", "+442079460123"),
    ("0044 20 7946 0123", "+442079460123"),
    ("0161 496 0000", "+441614960000"),
    ("0113 496 0999", "+441134960999"),
    # Ofcom's drama range for mobiles (the example our error message gives).
    ("07700 900 982", "+447700900982"),
    ("+44 7700 900123", "+447700900123"),
    ("00447700900123", "+447700900123"),
]
INVALID = [
    "12345",
    "0770090012",  # a mobile number one digit short
    "020 7946 012",  # a London number one digit short
    "020 7946 01234",  # one digit long
    "07700 900 12a",
    "07700 900 1abc",  # a keypad's letters are not read as digits
    "07700 9001234",  # the drama range, one digit long
    "07700 901 000",  # just outside the drama range, and never allocated
]
