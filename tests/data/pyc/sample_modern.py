"""A module for Python 3.8+ only: positional-only and keyword-only
parameters, f-strings, the walrus operator, async code, dataclass-like
classes, set and dict comprehensions, nested closures, big and negative
numbers, frozenset constants, bytes and non-ASCII text."""

import sys

LIMIT = 2 ** 70 - 3
NEGATIVE = -(2 ** 45)
HALF = 0.5
COMPLEX = -1.25 + 8j
BLOB = bytes(range(40)) + b"tail"
GREETING = "gr\u00fc\u00df dich \u2728"
WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
LONG_NAME = "x" * 300
SPAN = tuple(range(10))


def clamp(value, /, low=0, high=100, *, strict=False):
    if strict and not (low <= value <= high):
        raise ValueError(f"{value!r} outside [{low}, {high}]")
    return max(low, min(high, value))


def describe(items, *args, sep=", ", **kwargs):
    text = sep.join(f"{i:>4}" for i in items)
    if (n := len(args)) > 2:
        text += f" (+{n} extra)"
    return text + "".join(f" {k}={v}" for k, v in sorted(kwargs.items()))


def classify(ch):
    if ch in {"a", "e", "i", "o", "u"}:
        return "vowel"
    if ch in frozenset("0123456789"):
        return "digit"
    return "other"


def histogram(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return {k: v for k, v in counts.items() if v > 1}, {len(w) for w in words}


def make_accumulator():
    total = 0

    def add(x):
        nonlocal total
        total += x
        return total

    return add


async def fetch(source, retries=3):
    for attempt in range(retries):
        try:
            return await source(attempt)
        except OSError as error:
            last = error
    raise RuntimeError("gave up") from last


class Entry:
    __slots__ = ("key", "value", "version")

    def __init__(self, key, value, version=1):
        self.key = key
        self.value = value
        self.version = version

    def bump(self):
        return Entry(self.key, self.value, self.version + 1)

    @property
    def label(self):
        return f"{self.key}@{self.version}"

    @staticmethod
    def parse(line):
        key, _, rest = line.partition("=")
        return Entry(key.strip(), rest.strip())

    def __eq__(self, other):
        return isinstance(other, Entry) and (self.key, self.value) == (other.key, other.value)


def pipeline(data):
    with open(data) as f:
        lines = [line.rstrip("\n") for line in f if line and not line.startswith("#")]
    match_count = sum(1 for line in lines if "=" in line)
    return lines, match_count


def lambdas():
    return [lambda x, k=k: x * k for k in range(4)]


MAIN = __name__ == "__main__" and sys.argv[1:]
