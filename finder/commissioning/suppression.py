"""Small numbers in published aggregates: the threshold, and the one rule that applies it.

Primary suppression (NHS statistics practice): a count from 1 to SMALL_NUMBER - 1 is shown as
SMALL_MARK ("<5"); both are finder.policy's.

Secondary (complementary) suppression: a hidden count must not be recoverable from what is
shown, above all from a total minus the other counts of its column. While a hidden count can
still be pinned to one value, the smallest count still shown in its column is hidden too, as
"*". Hiding the next smallest cell is the usual complementary choice: it loses the least.

The attacker this guards against knows everything published and how it is published:
- each column of a breakdown adds up to its total, and the programmes of one format add up to
  that format's row (a programme has one format);
- "<5" is 1 to SMALL_NUMBER - 1; "*" is at least SMALL_NUMBER (else it would be "<5") and at
  most the
  smallest count still shown in its column (it was the next smallest; a programme's column is
  the programmes of its format).
The values a hidden count can then take form a range (a sum of ranges is a range), and because
the sums form a tree, propagating each sum's bounds to a fixed point finds exactly that range.
Where hiding every other count of a column still leaves one value (a column of 5 and 1: 6 splits
only as 5 + 1), the total itself is hidden ("*"), and the other breakdowns of that total then
hide a count of their own as well.

Not modelled: relations between the stages of one row (no more attended than referred, say),
which bound a hidden count but, with every column protected, do not pin it; and a total of 4
made of four groups of 1, which hiding more counts cannot protect (nor can the zeros, which are
shown: hiding them would say nothing true).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from finder.policy import COMPLEMENT_MARK, SMALL_MARK, SMALL_NUMBER

UNBOUNDED = 2**62
Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Sum(Generic[Key]):
    """Published counts that add up to another published count (a column and its total)."""

    whole: Key
    parts: tuple[Key, ...]


def is_small(count: int) -> bool:
    return 0 < count < SMALL_NUMBER


def hide(counts: Mapping[Key, int], sums: Sequence[Sum[Key]], total: Key) -> dict[Key, str]:
    """The counts to publish as a mark instead of a number, and their marks.

    `counts` names every published count; `sums` says which add up to which, as a tree whose
    root is `total`. Each count is a part of at most one sum."""
    hidden: dict[Key, str] = {key: SMALL_MARK for key, n in counts.items() if is_small(n)}
    while pinned := _pinned(counts, sums, hidden):
        more = set()
        for column in sums:
            if pinned.intersection((column.whole, *column.parts)):
                shown = [k for k in column.parts if k not in hidden and counts[k] > 0]
                if shown:
                    more.add(min(shown, key=counts.__getitem__))
        if not more:
            if total in hidden:
                break  # four groups of 1 in a total of 4: see the docstring
            more = {total}
        hidden.update(dict.fromkeys(more, COMPLEMENT_MARK))
    return hidden


def _pinned(
    counts: Mapping[Key, int], sums: Sequence[Sum[Key]], hidden: Mapping[Key, str]
) -> set[Key]:
    """The hidden counts that the attacker (see the docstring) can narrow to one value."""
    column_of = {part: column for column in sums for part in column.parts}
    lo: dict[Key, int] = {}
    hi: dict[Key, int] = {}
    for key, n in counts.items():
        if key not in hidden:
            lo[key] = hi[key] = n
        elif hidden[key] == SMALL_MARK:
            lo[key], hi[key] = 1, SMALL_NUMBER - 1
        else:
            others = column_of[key].parts if key in column_of else ()
            lo[key] = SMALL_NUMBER
            hi[key] = min(
                (counts[k] for k in others if k not in hidden and counts[k]), default=UNBOUNDED
            )
    changed = True
    while changed and all(lo[k] <= hi[k] for k in hidden):
        changed = False
        for column in sums:
            low = sum(lo[k] for k in column.parts)
            high = sum(hi[k] for k in column.parts)
            whole = (max(lo[column.whole], low), min(hi[column.whole], high))
            bounds = {column.whole: whole}
            for k in column.parts:
                bounds[k] = (
                    max(lo[k], whole[0] - (high - hi[k])),
                    min(hi[k], whole[1] - (low - lo[k])),
                )
            for k, (low_k, high_k) in bounds.items():
                if (low_k, high_k) != (lo[k], hi[k]):
                    lo[k], hi[k] = low_k, high_k
                    changed = True
    return {k for k in hidden if lo[k] >= hi[k]}
