"""Reference data: pillars, need categories, perspectives, acquis chapters, economies."""

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base

KOSOVO_FOOTNOTE = (
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


class CodedReference:
    """Columns shared by reference lists identified by a short code and shown in order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Pillar(CodedReference, Base):
    """A thematic pillar of the IISG (WBCTi, WBCSCi, WBBSi; more may be added)."""

    __tablename__ = "pillars"

    description: Mapped[str] = mapped_column(Text, default="")


class NeedCategory(CodedReference, Base):
    """Whether a need is legislative, institutional or operational."""

    __tablename__ = "need_categories"


class Perspective(CodedReference, Base):
    """Whether a need is seen from prevention or from response."""

    __tablename__ = "perspectives"


class PartnerEconomy(CodedReference, Base):
    """A Western Balkans partner economy, or the whole region."""

    __tablename__ = "partner_economies"

    footnote: Mapped[str | None] = mapped_column(Text)

    @property
    def display_name(self) -> str:
        """Return the name as the IISG writes it: with an asterisk where a footnote applies."""
        return f"{self.name}*" if self.footnote else self.name


class AcquisChapter(Base):
    """A chapter of the EU acquis that frames needs (above all 23 and 24)."""

    __tablename__ = "acquis_chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<AcquisChapter {self.number}>"
