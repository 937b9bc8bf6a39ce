"""Extension objects, created unbound and attached to the app in ``create_app``."""

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
bootstrap = Bootstrap5()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared on the views they protect; storage is Redis when configured, so
# several app servers count together (RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=get_remote_address)
