"""Helpers for reading PDFs back in tests."""


def pdf_fonts(reader) -> list:
    """Every font dictionary the pages use (incl. form XObjects and Type0 descendants)."""
    out, seen = [], set()

    def walk(res):
        res = res.get_object() if res is not None else None
        if res is None or id(res) in seen:
            return
        seen.add(id(res))
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            out.append(f)
            out.extend(d.get_object() for d in f.get("/DescendantFonts") or [])
        for x in (res.get("/XObject") or {}).values():
            x = x.get_object()
            if "/Resources" in x:
                walk(x["/Resources"])

    for page in reader.pages:
        walk(page.get("/Resources"))
    return out


def not_embedded_truetype(fonts) -> list[str]:
    """Names of the fonts that are not embedded TrueType (Type0 parents are judged by their descendants)."""
    bad = []
    for f in fonts:
        if f.get("/Subtype") == "/Type0":
            continue
        fd = f.get("/FontDescriptor")
        if fd is None or "/FontFile2" not in fd.get_object():
            bad.append(str(f.get("/BaseFont")))
    return bad
