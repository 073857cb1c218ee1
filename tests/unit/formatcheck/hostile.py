"""Small hostile or broken files built in code."""

from __future__ import annotations

import io
import zlib

import pikepdf

from tests.pdfs import make_abstract


def encrypted(user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """A valid abstract that needs `user_password` to open."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner=owner_password))
    return out.getvalue()


def with_javascript() -> bytes:
    """An abstract that runs JavaScript when opened and carries an attachment."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.attachments["data.bin"] = pikepdf.AttachedFileSpec(pdf, b"payload")
        pdf.save(out)
    return out.getvalue()


def many_pages(count: int) -> bytes:
    """A text-free document with `count` blank pages."""
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def broken_xref() -> bytes:
    """An abstract whose cross-reference offsets are all wrong (readers must reconstruct it)."""
    data = make_abstract(1)
    start = data.rindex(b"\nxref") + 1
    table = data[start:]
    shifted = bytearray(table)
    for index in range(len(shifted) - 12):
        if shifted[index : index + 1].isdigit() and shifted[index + 10 : index + 12] == b" 0":
            shifted[index : index + 10] = b"%010d" % 3
    return data[:start] + bytes(shifted)


def miscounted_page_tree() -> bytes:
    """A page tree whose /Count claims more pages than it holds."""
    data = make_abstract(1)
    return data.replace(b"/Count 2", b"/Count 9", 1)


def decompression_bomb(megabytes: int = 1024) -> bytes:
    """A page whose content stream inflates to `megabytes` of text-showing operators."""
    chunk = b"BT /F1 1 Tf (x) Tj ET\n" * 4096
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(chunk) for _ in range(megabytes * 1024 * 1024 // len(chunk))]
    stream = b"".join(parts) + compressor.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(stream, Filter=pikepdf.Name.FlateDecode)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def emptied_pages() -> bytes:
    """An abstract whose page contents were damaged in transfer: each stream claims to be
    compressed but holds noise, so readers repair the file and show empty pages."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        for page in pdf.pages:
            page.Contents = pdf.make_stream(b"\x8a\x13 not deflate data \xff" * 20)
            page.Contents.Filter = pikepdf.Name.FlateDecode
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()
