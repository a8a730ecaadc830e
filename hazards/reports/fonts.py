"""The CJK font for the PDFs: Noto Sans CJK SC cut once to the characters a risk list uses.

WeasyPrint subsets every font it embeds when it writes a PDF. Subsetting the
20 MB Noto Sans CJK collection takes about 5 s per PDF; a 3.5 MB face holding
ASCII, the common punctuation and the 6,763 GB2312 hanzi takes a tenth of
that. The cut face is built once (`make setup`, or on first use) under var/,
and the full system font stays behind it in the CSS font stack, so a rare
character (a village name outside GB2312) still renders.
"""

import fcntl
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings

SOURCE_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "Noto Sans CJK SC"
FAMILY = "Floodwatch CJK"
FALLBACK_FAMILY = "Noto Sans CJK SC"
# Bump when the character set changes, so an old cut is rebuilt.
VERSION = 1


def cut_font_path():
    return Path(settings.BASE_DIR) / "var" / "fonts" / f"floodwatch-cjk-v{VERSION}.otf"


def characters():
    """ASCII, Latin-1, common punctuation and symbols, CJK punctuation, full-width forms, GB2312."""
    ranges = [
        (0x20, 0x7E), (0xA0, 0xFF),  # ASCII, Latin-1 (°, ±, ×, ·)
        (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰
        (0x2100, 0x214F), (0x2190, 0x21FF), (0x2460, 0x24FF),  # ℃ №, arrows, circled numbers
        (0x2500, 0x25FF), (0x2600, 0x26FF),  # box drawing, shapes ● ■ ▲, ⚠
        (0x3000, 0x303F), (0xFF00, 0xFFEF),  # CJK punctuation, full-width forms
    ]
    chars = {chr(c) for start, end in ranges for c in range(start, end + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(chars))


def _source_index():
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(SOURCE_FONT), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SOURCE_FACE:
            return index
    raise LookupError(f"{SOURCE_FACE} is not in {SOURCE_FONT}")


def cut_font(target):
    """Write the cut face to target (about 3.5 MB), atomically."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(hinting=False, desubroutinize=False, name_IDs=["*"], name_languages=["*"])
    options.layout_features = ["*"]
    font = TTFont(str(SOURCE_FONT), fontNumber=_source_index(), lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)


@lru_cache(maxsize=1)
def cut_font_file():
    """The cut face, built on first use; concurrent first uses build it once."""
    target = cut_font_path()
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            cut_font(target)
    return target


if __name__ == "__main__":  # make setup: python -m hazards.reports.fonts
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
    django.setup()
    print(f"Report font: {cut_font_file()}")
