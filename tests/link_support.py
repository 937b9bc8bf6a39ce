"""Reading the links a page offers, for the tests of its lists."""

import re
from urllib.parse import parse_qs, urlsplit


def links_in(body: str, marker: str, end: str) -> list[dict[str, list[str]]]:
    """Return the query strings of the links between ``marker`` and the next ``end``."""
    part = body[body.index(marker) :]
    part = part[: part.index(end)]
    return [
        parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        for link in re.findall(r'href="([^"]+)"', part)
    ]
