"""Regenerate backend/staff/common_passwords/passwords.txt from the npm package @zxcvbn-ts/language-common.

    cd /tmp && npm pack @zxcvbn-ts/language-common@4.1.3 && mkdir common && tar xzf zxcvbn-ts-language-common-4.1.3.tgz -C common
    python3 scripts/common_passwords.py /tmp/common/package

The package's `src/passwords.json` (MIT, see backend/staff/common_passwords/LICENSE.txt) is a list of the most
common passwords of leaked password sets, Polish ones among them ("zaq12wsx", "haslo", "kochamcie"). Each entry is
lowercased and kept; entries long enough to pass the length rule are also kept as typed on the Ukrainian and the
Russian keyboard layouts ("gfhjkm" is "пароль" typed with the layout switched, and "qwerty" typed on a Ukrainian
keyboard is "йцукен"), so a Cyrillic password that is a common one typed in the other layout is refused too.
The result is deduplicated and sorted, one password a line (UTF-8).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "backend" / "staff" / "common_passwords" / "passwords.txt"
#: The shortest password the policy accepts (backend/staff/passwords.py MIN_LENGTH): shorter layout forms are
#: refused by length anyway.
LAYOUT_MIN_LENGTH = 12
LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
UKRAINIAN = "йцукенгшщзхїфівапролджєячсмитьбю'"
RUSSIAN = "йцукенгшщзхъфывапролджэячсмитьбюё"


def derive(passwords: list[str]) -> list[str]:
    to_uk, to_ru = str.maketrans(LATIN, UKRAINIAN), str.maketrans(LATIN, RUSSIAN)
    out: set[str] = set()
    for raw in passwords:
        word = raw.strip().lower()
        if not word or "\n" in word:
            continue
        out.add(word)
        if len(word) >= LAYOUT_MIN_LENGTH and any("a" <= c <= "z" for c in word):
            out.update((word.translate(to_uk), word.translate(to_ru)))
    return sorted(out)


def main(package: str) -> None:
    source = Path(package) / "src" / "passwords.json"
    words = derive(json.loads(source.read_text(encoding="utf-8")))
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "package")
