"""Every page package is in the routes layer of the import contracts (pyproject.toml)."""

import tomllib

from portal import PROJECT_ROOT


def routes_layer_packages() -> set[str]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(contract for contract in contracts if contract["type"] == "layers")["layers"]
    return {name.strip() for name in layers[0].split("|")}


def test_every_package_with_routes_is_in_the_routes_layer():
    # A blueprint left out of the contract could import anything without lint-imports
    # noticing: the layers name their packages one by one.
    with_routes = {
        f"portal.{path.parent.name}" for path in (PROJECT_ROOT / "portal").glob("*/routes.py")
    }
    with_routes.discard("portal.auth")  # its own layer, below the pages

    assert with_routes == routes_layer_packages()
