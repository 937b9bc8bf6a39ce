"""Reference lists: pillars and acquis chapters, maintained by Secretariat administrators.

Every list is read by everyone who reads records (needs name them all).
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.authz import can_manage_reference_data, can_read_records, require
from portal.exceptions import NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import AcquisChapter, NeedCategory, PartnerEconomy, Perspective, Pillar
from portal.pagination import Page, paginate


def pillars() -> list[Pillar]:
    """Return the pillars in their order."""
    require(can_read_records, current_principal())
    return list(db.session.scalars(select(Pillar).order_by(Pillar.position, Pillar.code)))


def acquis_chapters() -> list[AcquisChapter]:
    """Return the acquis chapters by number."""
    require(can_read_records, current_principal())
    return list(db.session.scalars(select(AcquisChapter).order_by(AcquisChapter.number)))


# Each reference list by its name, in the order the pages show it.
LISTS = {
    "pillars": (Pillar, Pillar.position, Pillar.code),
    "need-categories": (NeedCategory, NeedCategory.position, NeedCategory.code),
    "perspectives": (Perspective, Perspective.position, Perspective.code),
    "acquis-chapters": (AcquisChapter, AcquisChapter.number),
    "economies": (PartnerEconomy, PartnerEconomy.position, PartnerEconomy.code),
}


def reference_list(name: str, page: int = 1, per_page: int = 25) -> Page:
    """Return one page of the reference list called ``name`` (see ``LISTS``), in its order."""
    require(can_read_records, current_principal())
    if name not in LISTS:
        raise NotFound(
            f"There is no reference list {quoted(name)}; the lists are {', '.join(LISTS)}."
        )
    model, *order = LISTS[name]
    return paginate(select(model).order_by(*order), page, per_page)


def _get(model, object_id):
    try:
        found = db.session.get(model, int(object_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound("There is no such record.")
    return found


def get_pillar(pillar_id) -> Pillar:
    """Return the pillar with ``pillar_id`` or raise NotFound."""
    require(can_manage_reference_data, current_principal())
    return _get(Pillar, pillar_id)


def get_acquis_chapter(chapter_id) -> AcquisChapter:
    """Return the acquis chapter with ``chapter_id`` or raise NotFound."""
    require(can_manage_reference_data, current_principal())
    return _get(AcquisChapter, chapter_id)


def _refuse_duplicate(model, column, value, own_id, field, label) -> None:
    clash = db.session.scalar(select(model.id).where(column == value, model.id != (own_id or 0)))
    if clash is not None:
        raise ValidationFailed(
            "Nothing was saved.", {field: f"{label} {quoted(value)} already exists."}
        )


def save_pillar(data: dict, pillar: Pillar | None = None) -> Pillar:
    """Add a pillar, or change one."""
    require(can_manage_reference_data, current_principal())
    _refuse_duplicate(Pillar, Pillar.code, data["code"], pillar and pillar.id, "code", "Pillar")
    if pillar is None:
        last = db.session.scalar(select(func.max(Pillar.position))) or 0
        pillar = Pillar(position=last + 1)
        db.session.add(pillar)
    pillar.code = data["code"]
    pillar.name = data["name"].strip()
    pillar.description = (data["description"] or "").strip()
    db.session.commit()
    return pillar


def save_acquis_chapter(data: dict, chapter: AcquisChapter | None = None) -> AcquisChapter:
    """Add an acquis chapter, or change one."""
    require(can_manage_reference_data, current_principal())
    _refuse_duplicate(
        AcquisChapter,
        AcquisChapter.number,
        data["number"],
        chapter and chapter.id,
        "number",
        "Chapter",
    )
    if chapter is None:
        chapter = AcquisChapter()
        db.session.add(chapter)
    chapter.number = data["number"]
    chapter.title = data["title"].strip()
    db.session.commit()
    return chapter
