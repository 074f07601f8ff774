"""latest assessment per business and score histograms per group (peer comparison)

Revision ID: q1_latest_assessment
Revises: p1_class_alerts
Create Date: 2026-12-01 10:00:00

Two new tables, filled from the assessments (portal/migrations/README, the PostgreSQL-safe
pattern): the latest results in batches of businesses, each batch committed by itself, so no
lock on the assessments outlives a batch; then the counts, one statement over the latest results
(its output is small: at most 1,001 rows per group, questionnaire and dimension). Submissions made
by the old code while this runs are not in it: run ``flask rebuild-assessment-summaries`` once the
new code serves (it is idempotent and safe while the portal runs).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q1_latest_assessment'
down_revision = 'p1_class_alerts'
branch_labels = None
depends_on = None

#: Businesses per committed batch of the backfill.
BATCH = 50_000

LATEST = """
INSERT INTO latest_assessments
    (business_id, assessment_id, submitted_at, questionnaire_id, province_code, sector)
SELECT r.business_id, r.id, r.submitted_at, r.questionnaire_id, r.province_code, b.sector
FROM (
    SELECT id, business_id, submitted_at, questionnaire_id, province_code,
           row_number() OVER (
               PARTITION BY business_id ORDER BY submitted_at DESC, id DESC
           ) AS rank
    FROM assessments
    WHERE status = 'submitted' AND business_id >= :low AND business_id < :high
) AS r
JOIN businesses AS b ON b.id = r.business_id
WHERE r.rank = 1
ON CONFLICT (business_id) DO NOTHING
"""

#: One group kind's counts: {key} is the group's key in latest_assessments.
COUNTS = """
SELECT '{kind}', {key}, l.questionnaire_id, s.dimension, s.score, count(*)
FROM latest_assessments AS l JOIN assessment_scores AS s ON s.assessment_id = l.assessment_id
GROUP BY {key}, l.questionnaire_id, s.dimension, s.score
UNION ALL
SELECT '{kind}', {key}, l.questionnaire_id, '', a.overall_score, count(*)
FROM latest_assessments AS l JOIN assessments AS a ON a.id = l.assessment_id
WHERE a.overall_score IS NOT NULL
GROUP BY {key}, l.questionnaire_id, a.overall_score
"""


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        # The foreign keys lock businesses and assessments briefly: fail rather than queue.
        op.execute("SET lock_timeout = '5s'")
    op.create_table('latest_assessments',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=40), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_latest_assessments_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_latest_assessments_business_id_businesses')),
    sa.PrimaryKeyConstraint('business_id', name=op.f('pk_latest_assessments')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_latest_assessments_assessment_id'))
    )
    op.create_table('peer_score_counts',
    sa.Column('peer_group', sa.String(length=8), nullable=False),
    sa.Column('group_key', sa.String(length=24), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=40), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('businesses', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('peer_group', 'group_key', 'questionnaire_id', 'dimension', 'score', name=op.f('pk_peer_score_counts'))
    )
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        low, high = conn.execute(sa.text('SELECT min(id), max(id) FROM businesses')).one()
        if low is not None:
            for start in range(low, high + 1, BATCH):
                conn.execute(sa.text(LATEST), {'low': start, 'high': start + BATCH})
        conn.execute(sa.text('DELETE FROM peer_score_counts'))
        conn.execute(sa.text(
            'INSERT INTO peer_score_counts '
            '(peer_group, group_key, questionnaire_id, dimension, score, businesses) '
            + COUNTS.format(kind='sector', key='l.sector')
            + ' UNION ALL '
            + COUNTS.format(kind='province', key='CAST(l.province_code AS VARCHAR)')
        ))


def downgrade():
    op.drop_table('peer_score_counts')
    op.drop_table('latest_assessments')
