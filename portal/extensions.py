"""Extension objects, created unbound and attached to the app in ``create_app``."""

from flask_bootstrap import Bootstrap5
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
bootstrap = Bootstrap5()
