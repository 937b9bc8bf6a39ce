"""Create the domain model and load the reference data every installation needs.

Tenants, users and roles; the reference lists (pillars, need categories, perspectives,
acquis chapters, partner economies); cycles, needs, responses and support links, with
the CHECK constraints, unique keys and indexes the list and analysis pages rely on.

Revision ID: a2c63c184801
Revises:
Create Date: 2026-11-23 19:44:01.700134

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a2c63c184801"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "acquis_chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acquis_chapters")),
        sa.UniqueConstraint("number", name=op.f("uq_acquis_chapters_number")),
    )
    op.create_table(
        "cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("submission_deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("board_meeting", sa.String(length=200), nullable=True),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'consolidation') OR (adopted_on IS NOT NULL AND board_meeting IS NOT NULL)",
            name=op.f("ck_cycles_adoption_recorded"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'consolidation', 'adopted', 'archived')",
            name=op.f("ck_cycles_status"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_cycles_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycles")),
        sa.UniqueConstraint("name", name=op.f("uq_cycles_name")),
    )
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.create_index(
            "uq_cycles_one_open",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "need_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_need_categories_code")),
    )
    op.create_table(
        "partner_economies",
        sa.Column("footnote", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_economies")),
        sa.UniqueConstraint("code", name=op.f("uq_partner_economies_code")),
    )
    op.create_table(
        "perspectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perspectives")),
        sa.UniqueConstraint("code", name=op.f("uq_perspectives_code")),
    )
    op.create_table(
        "pillars",
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pillars")),
        sa.UniqueConstraint("code", name=op.f("uq_pillars_code")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("economy_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'partner' AND economy_id IS NOT NULL) OR (kind <> 'partner' AND economy_id IS NULL)",
            name=op.f("ck_tenants_economy_for_partners"),
        ),
        sa.CheckConstraint(
            "kind IN ('partner', 'member', 'secretariat')", name=op.f("ck_tenants_kind")
        ),
        sa.ForeignKeyConstraint(
            ["economy_id"],
            ["partner_economies.id"],
            name=op.f("fk_tenants_economy_id_partner_economies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("code", name=op.f("uq_tenants_code")),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenants_economy_id"), ["economy_id"], unique=False)
        batch_op.create_index(
            "uq_tenants_one_secretariat",
            ["kind"],
            unique=True,
            sqlite_where=sa.text("kind = 'secretariat'"),
            postgresql_where=sa.text("kind = 'secretariat'"),
        )

    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("perspective_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source_reference", sa.String(length=300), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("previous_need_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name=op.f("ck_needs_priority")),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'validated', 'adopted', 'withdrawn')",
            name=op.f("ck_needs_status"),
        ),
        sa.CheckConstraint("previous_need_id <> id", name=op.f("ck_needs_not_own_predecessor")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["need_categories.id"],
            name=op.f("fk_needs_category_id_need_categories"),
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_needs_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["perspective_id"],
            ["perspectives.id"],
            name=op.f("fk_needs_perspective_id_perspectives"),
        ),
        sa.ForeignKeyConstraint(
            ["pillar_id"], ["pillars.id"], name=op.f("fk_needs_pillar_id_pillars")
        ),
        sa.ForeignKeyConstraint(
            ["previous_need_id"],
            ["needs.id"],
            name=op.f("fk_needs_previous_need_id_needs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_needs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_needs_cycle_pillar_category", ["cycle_id", "pillar_id", "category_id"], unique=False
        )
        batch_op.create_index("ix_needs_cycle_status", ["cycle_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_pillar_id"), ["pillar_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_needs_previous_need_id"), ["previous_need_id"], unique=False
        )
        batch_op.create_index(
            "ix_needs_tenant_cycle_status", ["tenant_id", "cycle_id", "status"], unique=False
        )

    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("support_type", sa.String(length=30), nullable=False),
        sa.Column("instrument", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("budget_amount", sa.Numeric(precision=15, scale=2), nullable=True),
        sa.Column("budget_currency", sa.String(length=3), nullable=True),
        sa.Column("implementation_status", sa.String(length=20), nullable=False),
        sa.Column("record_status", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "implementation_status IN ('planned', 'ongoing', 'completed', 'cancelled')",
            name=op.f("ck_responses_implementation_status"),
        ),
        sa.CheckConstraint(
            "record_status IN ('draft', 'published')", name=op.f("ck_responses_record_status")
        ),
        sa.CheckConstraint(
            "support_type IN ('technical_assistance', 'training', 'equipment', 'twinning', 'legislative_advice', 'other')",
            name=op.f("ck_responses_support_type"),
        ),
        sa.CheckConstraint(
            "visibility IN ('members', 'restricted')", name=op.f("ck_responses_visibility")
        ),
        sa.CheckConstraint(
            "(budget_amount IS NULL AND budget_currency IS NULL) OR (budget_amount IS NOT NULL AND budget_currency IS NOT NULL)",
            name=op.f("ck_responses_budget_has_currency"),
        ),
        sa.CheckConstraint("budget_amount >= 0", name=op.f("ck_responses_budget_not_negative")),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_responses_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_responses_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_record_status_visibility", ["record_status", "visibility"], unique=False
        )
        batch_op.create_index(
            "ix_responses_tenant_record_status", ["tenant_id", "record_status"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("totp_secret_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.CheckConstraint(
            "failed_login_count >= 0", name=op.f("ck_users_failed_login_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "need_acquis_chapters",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["acquis_chapters.id"],
            name=op.f("fk_need_acquis_chapters_chapter_id_acquis_chapters"),
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
            name=op.f("fk_need_acquis_chapters_need_id_needs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", "chapter_id", name=op.f("pk_need_acquis_chapters")),
    )
    with op.batch_alter_table("need_acquis_chapters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_need_acquis_chapters_chapter_id"), ["chapter_id"], unique=False
        )

    op.create_table(
        "response_beneficiaries",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("economy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["economy_id"],
            ["partner_economies.id"],
            name=op.f("fk_response_beneficiaries_economy_id_partner_economies"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_beneficiaries_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "economy_id", name=op.f("pk_response_beneficiaries")
        ),
    )
    with op.batch_alter_table("response_beneficiaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_beneficiaries_economy_id"), ["economy_id"], unique=False
        )

    op.create_table(
        "response_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "role IN ('donor', 'implementer')", name=op.f("ck_response_parties_role")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_parties_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_response_parties_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_parties")),
        sa.UniqueConstraint(
            "response_id", "role", "name", name=op.f("uq_response_parties_response_id_role_name")
        ),
    )
    with op.batch_alter_table("response_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_parties_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "response_pillars",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pillar_id"], ["pillars.id"], name=op.f("fk_response_pillars_pillar_id_pillars")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_pillars_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "pillar_id", name=op.f("pk_response_pillars")),
    )
    with op.batch_alter_table("response_pillars", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_pillars_pillar_id"), ["pillar_id"], unique=False
        )

    op.create_table(
        "support_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "coverage IN ('full', 'partial')", name=op.f("ck_support_links_coverage")
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'confirmed', 'disputed', 'validated')",
            name=op.f("ck_support_links_status"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_support_links_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
            name=op.f("fk_support_links_need_id_needs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_support_links_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_support_links_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"], ["users.id"], name=op.f("fk_support_links_validated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_links")),
        sa.UniqueConstraint(
            "response_id", "need_id", name=op.f("uq_support_links_response_id_need_id")
        ),
    )
    with op.batch_alter_table("support_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_links_need_id"), ["need_id"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'editor', 'tenant_admin', 'auditor', 'admin')",
            name=op.f("ck_user_roles_role"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    _load_reference_data()


KOSOVO_FOOTNOTE = (
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


def _load_reference_data():
    """Insert the reference lists as they stood when this migration was written."""

    def coded(name, *extra):
        return sa.table(name, sa.column("code"), sa.column("name"), sa.column("position"), *extra)

    pillars = coded("pillars", sa.column("description"))
    op.bulk_insert(
        pillars,
        [
            {
                "code": "WBCTi",
                "position": 1,
                "name": "Western Balkans Counter-Terrorism initiative",
                "description": "Counter-terrorism, preventing and countering violent extremism",
            },
            {
                "code": "WBCSCi",
                "position": 2,
                "name": "Western Balkans Counter Serious Crime initiative",
                "description": "Serious and organised crime",
            },
            {
                "code": "WBBSi",
                "position": 3,
                "name": "Western Balkans Border Security initiative",
                "description": "Border security",
            },
        ],
    )
    op.bulk_insert(
        coded("need_categories"),
        [
            {"code": "legislative", "name": "Legislative", "position": 1},
            {"code": "institutional", "name": "Institutional", "position": 2},
            {"code": "operational", "name": "Operational", "position": 3},
        ],
    )
    op.bulk_insert(
        coded("perspectives"),
        [
            {"code": "prevention", "name": "Prevention", "position": 1},
            {"code": "response", "name": "Response", "position": 2},
        ],
    )
    op.bulk_insert(
        sa.table("acquis_chapters", sa.column("number"), sa.column("title")),
        [
            {"number": 4, "title": "Free movement of capital"},
            {"number": 10, "title": "Digital transformation and media"},
            {"number": 23, "title": "Judiciary and fundamental rights"},
            {"number": 24, "title": "Justice, freedom and security"},
            {"number": 29, "title": "Customs union"},
            {"number": 31, "title": "Foreign, security and defence policy"},
        ],
    )
    economies = coded("partner_economies", sa.column("footnote"))
    op.bulk_insert(
        economies,
        [
            {"code": "AL", "name": "Albania", "position": 1, "footnote": None},
            {"code": "BA", "name": "Bosnia and Herzegovina", "position": 2, "footnote": None},
            {"code": "XK", "name": "Kosovo", "position": 3, "footnote": KOSOVO_FOOTNOTE},
            {"code": "ME", "name": "Montenegro", "position": 4, "footnote": None},
            {"code": "MK", "name": "North Macedonia", "position": 5, "footnote": None},
            {"code": "RS", "name": "Serbia", "position": 6, "footnote": None},
            {"code": "REG", "name": "Regional", "position": 7, "footnote": None},
        ],
    )


def downgrade():
    op.drop_table("user_roles")
    with op.batch_alter_table("support_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_links_need_id"))

    op.drop_table("support_links")
    with op.batch_alter_table("response_pillars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_pillars_pillar_id"))

    op.drop_table("response_pillars")
    with op.batch_alter_table("response_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_parties_tenant_id"))

    op.drop_table("response_parties")
    with op.batch_alter_table("response_beneficiaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_beneficiaries_economy_id"))

    op.drop_table("response_beneficiaries")
    with op.batch_alter_table("need_acquis_chapters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_acquis_chapters_chapter_id"))

    op.drop_table("need_acquis_chapters")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_tenant_id"))

    op.drop_table("users")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_tenant_record_status")
        batch_op.drop_index("ix_responses_record_status_visibility")

    op.drop_table("responses")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_tenant_cycle_status")
        batch_op.drop_index(batch_op.f("ix_needs_previous_need_id"))
        batch_op.drop_index(batch_op.f("ix_needs_pillar_id"))
        batch_op.drop_index("ix_needs_cycle_status")
        batch_op.drop_index("ix_needs_cycle_pillar_category")

    op.drop_table("needs")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tenants_one_secretariat",
            sqlite_where=sa.text("kind = 'secretariat'"),
            postgresql_where=sa.text("kind = 'secretariat'"),
        )
        batch_op.drop_index(batch_op.f("ix_tenants_economy_id"))

    op.drop_table("tenants")
    op.drop_table("pillars")
    op.drop_table("perspectives")
    op.drop_table("partner_economies")
    op.drop_table("need_categories")
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cycles_one_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.drop_table("cycles")
    op.drop_table("acquis_chapters")
