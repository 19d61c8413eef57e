"""Align two sequences that differ in a few places: Myers' O(ND) difference algorithm.

``difflib.SequenceMatcher`` takes time that grows with the square of the input when few
distinct elements repeat many times (the *shapes* of the lines of two examples: every line of
a long file of similar functions has one of a handful of shapes). Myers' algorithm takes time
that grows with the size times the number of differences, which is small for examples that
differ by names.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

Opcode = tuple[str, int, int, int, int]  # as difflib's: tag, i1, i2, j1, j2
MAX_DIFFERENCES = 2000


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """difflib-style opcodes turning ``a`` into ``b``. Past ``MAX_DIFFERENCES`` insertions
    and deletions, the rest is paired element by element (a ``replace`` where they differ)."""
    pairs = _matches(a, b)
    if pairs is None:
        pairs = [(i, i) for i in range(min(len(a), len(b))) if a[i] == b[i]]
    result: list[Opcode] = []
    i = j = 0
    for x, y in [*pairs, (len(a), len(b))]:
        if i < x or j < y:
            tag = "replace" if i < x and j < y else ("delete" if i < x else "insert")
            result.append((tag, i, x, j, y))
        if x < len(a) and y < len(b):
            if result and result[-1][0] == "equal" and result[-1][2] == x:
                _, i1, _, j1, _ = result[-1]
                result[-1] = ("equal", i1, x + 1, j1, y + 1)
            else:
                result.append(("equal", x, x + 1, y, y + 1))
        i, j = x + 1, y + 1
    return result


def _matches(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]] | None:
    """The pairs of equal elements of a shortest edit script, in order; None past the
    limit of differences."""
    n, m = len(a), len(b)
    frontier: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(min(n + m, MAX_DIFFERENCES) + 1):
        trace.append(dict(frontier))
        for k in range(-d, d + 1, 2):
            x = frontier[k + 1] if _down(frontier, k, d) else frontier[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            frontier[k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    return None


def _backtrack(trace: list[dict[int, int]], n: int, m: int) -> list[tuple[int, int]]:
    x, y = n, m
    pairs: list[tuple[int, int]] = []
    for d in range(len(trace) - 1, -1, -1):
        frontier = trace[d]
        k = x - y
        previous = k + 1 if _down(frontier, k, d) else k - 1
        start_x = frontier[previous]
        start_y = start_x - previous
        while x > start_x and y > start_y:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = start_x, start_y
    pairs.reverse()
    return pairs


def _down(frontier: dict[int, int], k: int, d: int) -> bool:
    """Whether diagonal ``k`` is best reached from ``k + 1`` (an insertion), not ``k - 1``."""
    return k == -d or (k != d and frontier[k - 1] < frontier[k + 1])
