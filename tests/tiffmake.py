#!/usr/bin/env python3
"""tests/tiffmake.py KIND FILE: writes a small TIFF made for a test.

Classic little-endian TIFF, written byte by byte with struct (no imaging
library), so a test can make the hostile files it needs instead of keeping
them in the tree.  Kinds:

  good     one 8x8 white page, CCITT G4
  good3    three such pages
  hang     page 1 good, page 2 BitsPerSample = 3 (leptonica 1.82's
           pixaReadMemMultipageTiff never leaves a page it cannot read)
  bomb     page 1 good, pages 2 and 3 each declaring 50000 x 50000 pixels
           at 1 bit, with a few bytes of data (the header check of page 1
           alone lets them through)
  loop     page 2's next directory is page 1 again
  tiled    one page stored in tiles
  manypages  300 good pages
  bigtiff  one good page, BigTIFF layout
  strips   50 pages of 1x1 pixels, each naming the same 2000 empty strips
           (StripOffsets and StripByteCounts of every page point at one
           shared pair of arrays: walking them page by page used to
           cost pages x strips)
  tall     50 pages of 1x2000 pixels, one row per strip, all sharing the
           one pair of arrays: strip counts right, tables shared
  strips-big  the strips file at the size that took 1.7 s to check:
           50 pages of 5,242,203 strips, 20 MB (not kept anywhere)
"""
import struct
import sys

SHORT, LONG, LONG8 = 3, 4, 16
# All-white G4: each row is one vertical-mode V0 code (bit 1) against an
# all-white reference line; then EOFB, two EOL codes.
G4_WHITE_8x8 = b"\xff\x00\x10\x01"


def page(w=8, h=8, bps=1, spp=1, compression=4, photometric=0, data=G4_WHITE_8x8, tiled=False):
    return dict(w=w, h=h, bps=bps, spp=spp, compression=compression, photometric=photometric,
                data=data, tiled=tiled)


def tiff(pages, loop_to=None, big=False):
    """pages: list of page(); loop_to: index of the page the last one's next offset names."""
    end = "<"
    out = bytearray(b"II" + struct.pack("<H", 43 if big else 42))
    if big:
        out += struct.pack("<HHQ", 8, 0, 0)
    else:
        out += struct.pack("<I", 0)
    first_ptr = 8 if big else 4
    prev_next_ptr = first_ptr
    ifd_at = []
    for p in pages:
        data_off = len(out)
        out += p["data"]
        if len(out) % 2:
            out += b"\0"
        extra_off = len(out)
        bps_values = [p["bps"]] * p["spp"]
        bps_inline = len(bps_values) * 2 <= (8 if big else 4)
        if not bps_inline:
            out += b"".join(struct.pack("<H", v) for v in bps_values)
        tags = [
            (256, LONG, [p["w"]]),
            (257, LONG, [p["h"]]),
            (258, SHORT, bps_values),
            (259, SHORT, [p["compression"]]),
            (262, SHORT, [p["photometric"]]),
            (277, SHORT, [p["spp"]]),
        ]
        if p["tiled"]:
            tags += [(322, LONG, [16]), (323, LONG, [16]), (324, LONG, [data_off]),
                     (325, LONG, [len(p["data"])])]
        else:
            tags += [(273, LONG, [data_off]), (278, LONG, [p["h"]]), (279, LONG, [len(p["data"])])]
        tags.sort()
        ifd = len(out)
        ifd_at.append(ifd)
        struct.pack_into(end + ("Q" if big else "I"), out, prev_next_ptr, ifd)
        out += struct.pack(end + ("Q" if big else "H"), len(tags))
        for tag, typ, values in tags:
            size = 2 if typ == SHORT else 4
            fmt = "H" if typ == SHORT else "I"
            raw = b"".join(struct.pack(end + fmt, v) for v in values)
            slot = 8 if big else 4
            if len(raw) > slot:
                raw = struct.pack(end + ("Q" if big else "I"), extra_off)
            raw = raw.ljust(slot, b"\0")
            out += struct.pack(end + ("HHQ" if big else "HHI"), tag, typ, len(values)) + raw
        prev_next_ptr = len(out)
        out += b"\0" * (8 if big else 4)
    if loop_to is not None:
        struct.pack_into(end + ("Q" if big else "I"), out, prev_next_ptr, ifd_at[loop_to])
    return bytes(out)


def shared_strips(pages, strips, height):
    """pages 1 pixel wide and height high, all naming the same strips empty strips."""
    out = bytearray(b"II*\0\0\0\0\0")
    offsets = len(out)
    out += struct.pack("<H", 0) * strips		# every strip at offset 0 ...
    counts = len(out)
    out += struct.pack("<H", 0) * strips		# ... of 0 bytes
    prev_next_ptr = 4
    for _ in range(pages):
        tags = [(256, LONG, 1), (257, LONG, height), (258, SHORT, 1), (259, SHORT, 1), (262, SHORT, 1),
                (273, SHORT, strips, offsets), (277, SHORT, 1), (278, LONG, 1), (279, SHORT, strips, counts)]
        ifd = len(out)
        struct.pack_into("<I", out, prev_next_ptr, ifd)
        out += struct.pack("<H", len(tags))
        for t in tags:
            if len(t) == 4:
                out += struct.pack("<HHII", t[0], t[1], t[2], t[3])
            else:
                out += struct.pack("<HHI", t[0], t[1], 1) + struct.pack("<H" if t[1] == SHORT else "<I", t[2]).ljust(4, b"\0")
        prev_next_ptr = len(out)
        out += b"\0" * 4
    return bytes(out)


def make(kind):
    if kind == "good":
        return tiff([page()])
    if kind == "good3":
        return tiff([page(), page(), page()])
    if kind == "hang":
        return tiff([page(), page(bps=3, compression=1, photometric=1, data=b"\0" * 24)])
    if kind == "bomb":
        huge = page(w=50000, h=50000, data=b"\0\0\0\0\0\0\0\0")
        return tiff([page(), huge, huge])
    if kind == "loop":
        return tiff([page(), page()], loop_to=0)
    if kind == "tiled":
        return tiff([page(w=16, h=16, compression=1, photometric=1, data=b"\0" * 32, tiled=True)])
    if kind == "manypages":
        return tiff([page() for _ in range(300)])
    if kind == "bigtiff":
        return tiff([page()], big=True)
    if kind == "strips":
        return shared_strips(50, 2000, 1)
    if kind == "tall":
        return shared_strips(50, 2000, 2000)
    if kind == "strips-big":
        return shared_strips(50, 5242203, 1)
    raise SystemExit("tiffmake.py: unknown kind " + kind)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[2], "wb") as f:
        f.write(make(sys.argv[1]))
