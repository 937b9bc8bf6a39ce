"""The terms the glossary explains: each one's anchor on the glossary page, and its name.

The glossary page (templates/help/glossary.html) has one entry per anchor here, and the
``term`` macro (templates/help/_term.html) links only to these, so a link to the
glossary never points at an entry that is not there.
"""

from __future__ import annotations

TERMS: dict[str, str] = {
    "pillar": "Pillar",
    "partner": "Partner",
    "member": "IISG member",
    "secretariat": "IISG Secretariat",
    "need": "Need",
    "category": "Category",
    "perspective": "Perspective",
    "priority": "Priority",
    "acquis-chapters": "Acquis chapters",
    "response": "Response",
    "restricted-visibility": "Restricted visibility",
    "support-link": "Support link",
    "link-proposed": "Proposed (link)",
    "link-confirmed": "Confirmed (link)",
    "link-disputed": "Disputed (link)",
    "link-validated": "Validated (link)",
    "coverage": "Coverage",
    "coverage-full": "Full coverage",
    "coverage-partial": "Partial coverage",
    "coverage-gap": "Gap",
    "cycle": "Cycle",
    "adoption": "Adoption",
    "kosovo-footnote": "Kosovo* footnote",
    "roles": "Roles",
    "role-viewer": "Viewer",
    "role-editor": "Editor",
    "role-tenant-admin": "Organisation administrator",
    "role-auditor": "Auditor",
    "role-admin": "Administrator",
}


def anchor(name: str) -> str:
    """Return the glossary's anchor for the term ``name``; refuse a term it does not explain."""
    if name not in TERMS:
        raise KeyError(f"the glossary has no term {name!r}; add it to portal/help/glossary.py")
    return name
