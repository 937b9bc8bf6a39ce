"""The help pages: signed-in users only, like every page but the public one."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from portal.help.glossary import TERMS, anchor

blueprint = Blueprint("help", __name__, url_prefix="/help")

# The sections of the portal with a help page of their own, in the order they are listed.
SECTIONS = {
    "needs": "Needs",
    "responses": "Responses and support links",
    "analysis": "Analysis",
    "imports": "Importing",
    "audit": "Audit trail",
    "reports": "Reports",
}


@blueprint.app_template_global()
def glossary_link(name: str) -> str:
    """Return the address of the glossary's entry for ``name`` (the ``term`` macro's link)."""
    return f"{url_for('help.glossary')}#{anchor(name)}"


@blueprint.context_processor
def _help_sections() -> dict:
    return {"help_sections": SECTIONS}


@blueprint.get("")
def index():
    """List the help pages."""
    return render_template("help/index.html")


@blueprint.get("/glossary")
def glossary():
    """Explain the IISG's terms, each under an anchor other pages link to."""
    return render_template("help/glossary.html", terms=TERMS)


def _section_page(section: str):
    def show():
        return render_template(f"help/{section}.html", section=section)

    show.__name__ = section
    show.__doc__ = f"Explain the {SECTIONS[section]} section: what it is for and who does what."
    return show


for _section in SECTIONS:
    blueprint.add_url_rule(f"/{_section}", _section, _section_page(_section))
