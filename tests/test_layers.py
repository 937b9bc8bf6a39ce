"""Every page package is in the routes layer of the import contracts (pyproject.toml)."""

import re
import tomllib

from portal import PROJECT_ROOT

BLUEPRINT = re.compile(r"^blueprint = ", re.MULTILINE)


def routes_layer_packages() -> set[str]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(contract for contract in contracts if contract["type"] == "layers")["layers"]
    return {name.strip() for name in layers[0].split("|")}


def test_every_package_with_routes_is_in_the_routes_layer():
    # A blueprint left out of the contract could import anything without lint-imports
    # noticing: the layers name their packages one by one.
    # A package with routes defines a blueprint: in routes.py, or one per API resource.
    with_routes = {
        f"portal.{path.parent.name}"
        for path in (PROJECT_ROOT / "portal").glob("*/*.py")
        if BLUEPRINT.search(path.read_text(encoding="utf-8"))
    }
    with_routes.discard("portal.auth")  # its own layer, below the pages

    assert with_routes == routes_layer_packages()
