#!/usr/bin/env python3
"""Writes Sources/ZhibenDomain/Resources/pinyin-initials.txt: the first letter of the first (most
common) Mandarin reading of each character U+4E00..U+9FFF, which the enterprise picker matches typed
initials against (钢铁 -> gt).

The readings come from the Unihan-derived dictionary of the `pypinyin` package
(`pip install pypinyin`); run from the repository root: python3 docs/pinyin-initials.py
"""
import unicodedata
from pypinyin.pinyin_dict import pinyin_dict

FIRST, LAST, WIDTH = 0x4E00, 0x9FFF, 64


def initial(cp):
    readings = pinyin_dict.get(cp)
    if not readings:
        return "-"
    first = unicodedata.normalize("NFD", readings.split(",")[0])[0].lower()
    return first if "a" <= first <= "z" else "-"


letters = "".join(initial(cp) for cp in range(FIRST, LAST + 1))
with open("Sources/ZhibenDomain/Resources/pinyin-initials.txt", "w") as out:
    out.write("# First letter of the first Mandarin reading of U+4E00..U+9FFF, 64 per line, '-' for none.\n")
    out.write("# Source: Unicode Unihan readings as packaged by pypinyin; regenerate with docs/pinyin-initials.py.\n")
    for i in range(0, len(letters), WIDTH):
        out.write("%04X %s\n" % (FIRST + i, letters[i:i + WIDTH]))
