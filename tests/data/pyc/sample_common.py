# -*- coding: utf-8 -*-
"""A module that compiles under Python 2.7 and 3.6+ and puts most marshal
types into its pyc: ints of every width, floats, complex numbers, bytes,
text with non-ASCII characters, long strings, tuples (small and > 255
items), frozensets, nested code objects with closures, generators,
classes, keyword arguments, exception handlers and dict literals."""

SMALL = 7
NEGATIVE = -123456
WIDE = 2 ** 40 + 17
HUGE = 123456789012345678901234567890123456789
NEGATIVE_HUGE = -98765432109876543210987654321
RATIO = 3.14159265358979
TINY = 1e-300
COMPLEX = 2.5 + 4j
RAW = b"\x00\x01\x02binary\xff"
TEXT = u"caf\u00e9 \u2603 \U0001f40d na\u00efve"
EMPTY = ""
LONG_TEXT = "crash consistency " * 24
LONG_BYTES = b"0123456789abcdef" * 20
NOTHING = None
FLAGS = (True, False, None, Ellipsis)
PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53)
TABLE = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
    38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73,
    74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91,
    92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107,
    108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
    122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135,
    136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
    150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163,
    164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177,
    178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
    192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205,
    206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
    220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233,
    234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247,
    248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261,
)
SETTINGS = {"name": "crashfs", "sector": 4096, "models": ("posix", "ext4-ordered")}


def is_vowel(letter):
    return letter in ("a", "e", "i", "o", "u")


def is_small_prime(n):
    return n in {2, 3, 5, 7, 11, 13}


def scale(values, factor=2, *rest, **options):
    offset = options.get("offset", 0.5)
    return [v * factor + offset for v in values] + list(rest)


def counter(start):
    count = [start]

    def step(by=1):
        count[0] += by
        return count[0]

    return step


def evens(limit):
    n = 0
    while n < limit:
        if n % 2 == 0:
            yield n
        n += 1


class Record(object):
    """A record with a checksum."""

    kind = "record"

    def __init__(self, key, payload):
        self.key = key
        self.payload = payload

    def checksum(self):
        total = 0
        for i, ch in enumerate(self.payload):
            total = (total * 31 + ord(ch) + i) & 0xFFFFFFFF
        return total

    def __repr__(self):
        return "Record(%r, %r)" % (self.key, self.payload)


def parse(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None
    finally:
        pass


def squares(n):
    return dict((i, i * i) for i in range(n))


def nested(depth):
    def inner(x):
        def innermost(y):
            return x + y + depth
        return innermost
    return inner(depth)(1)


ANSWER = nested(20)
