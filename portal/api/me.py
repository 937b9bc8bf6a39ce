"""The user a token belongs to."""

from __future__ import annotations

from flask_login import current_user

from portal.api.core import COMMON_ERRORS, Blueprint
from portal.authz import can_manage_own_account, require
from portal.identity import current_principal
from portal.schemas.users_output import ApiUserOutputSchema

PATH = ""
blueprint = Blueprint("api", __name__, description="The user the token belongs to.")


@blueprint.route("/me")
@blueprint.response(200, ApiUserOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def me():
    """Describe the user the bearer token belongs to."""
    require(can_manage_own_account, current_principal(), current_user)
    return current_user
