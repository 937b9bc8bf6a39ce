"""JSON API, version 1: bearer tokens only, no cookies, hence no CSRF tokens."""

from flask import Blueprint, jsonify
from flask_login import current_user

from portal.authz import can_manage_own_account, require
from portal.identity import current_principal
from portal.schemas.users_output import ApiUserOutputSchema

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


@blueprint.get("/me")
def me():
    """Describe the user the bearer token belongs to."""
    require(can_manage_own_account, current_principal(), current_user)
    return jsonify(ApiUserOutputSchema().dump(current_user))
