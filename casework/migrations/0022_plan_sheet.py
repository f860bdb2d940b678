"""The structured plan sheet (issue #12): short-term goals (PlanGoal) with their actions (PlanRole gets a goal,
who — an agency or 本人/家族/担当相談員/その他 —, and by when), the person's agreement, and evaluations.

The data step moves each plan's one short-term goal text into one PlanGoal and attaches the plan's existing
roles to it; then the old column goes (one source of truth). Backwards, the goals are joined back into the
text (one per line, numbered when there are several); actions the old schema cannot hold (no agency) stop
the reversal instead of being dropped silently, and so do recorded evaluations."""

import casework.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def short_term_goal_to_goals(apps, schema_editor):
    SupportPlan = apps.get_model("casework", "SupportPlan")
    PlanGoal = apps.get_model("casework", "PlanGoal")
    PlanRole = apps.get_model("casework", "PlanRole")
    for plan in SupportPlan.objects.only("id", "short_term_goal").iterator(chunk_size=500):
        text = (plan.short_term_goal or "").strip()
        if not text:
            continue  # its roles stay without a goal (the column allows it for old rows)
        goal = PlanGoal.objects.create(plan_id=plan.id, order=1, text=text)
        PlanRole.objects.filter(plan_id=plan.id).update(goal=goal)


def goals_to_short_term_goal(apps, schema_editor):
    SupportPlan = apps.get_model("casework", "SupportPlan")
    PlanGoal = apps.get_model("casework", "PlanGoal")
    PlanRole = apps.get_model("casework", "PlanRole")
    PlanEvaluation = apps.get_model("casework", "PlanEvaluation")
    if PlanRole.objects.filter(agency__isnull=True).exists() or PlanEvaluation.objects.exists():
        raise RuntimeError(
            "Plans hold actions by someone other than an agency (本人, 家族 ...) or evaluations; the old plan "
            "schema cannot hold them. Export and remove them before migrating back."
        )
    goals: dict[int, list[str]] = {}
    for goal in PlanGoal.objects.order_by("plan_id", "order", "id"):
        goals.setdefault(goal.plan_id, []).append(goal.text)
    for plan_id, texts in goals.items():
        text = texts[0] if len(texts) == 1 else "\n".join(f"{i}. {t}" for i, t in enumerate(texts, 1))
        plan = SupportPlan.objects.get(pk=plan_id)
        plan.short_term_goal = text
        plan.save(update_fields=["short_term_goal"])


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0021_national_categories'),
        ('network', '0003_staff_names_and_agency_readings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PlanEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('evaluated_on', models.DateField(verbose_name='evaluated on')),
                ('decision', models.CharField(choices=[('continue', '継続'), ('revise', 'プランの見直し'), ('close', '終結')], max_length=16, verbose_name='decision')),
                ('next_review_on', models.DateField(blank=True, null=True, verbose_name='next review')),
                ('closure_reason', models.CharField(blank=True, choices=[('goal_achieved', '課題解決'), ('handed_over', '他機関へ引継ぎ'), ('moved', '転居'), ('deceased', '死亡'), ('declined', '本人の意向による終了'), ('unreachable', '連絡不能'), ('other', 'その他')], default='', max_length=32, verbose_name='closure reason')),
                ('comment', casework.fields.EncryptedTextField(blank=True, verbose_name='comment')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
            ],
            options={
                'verbose_name': 'plan evaluation',
                'verbose_name_plural': 'plan evaluations',
                'ordering': ['-evaluated_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PlanGoal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveSmallIntegerField(verbose_name='order')),
                ('text', casework.fields.EncryptedTextField(verbose_name='short-term goal')),
            ],
            options={
                'verbose_name': 'short-term goal',
                'verbose_name_plural': 'short-term goals',
                'ordering': ['order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PlanGoalEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('result', models.CharField(choices=[('achieved', '達成'), ('partly', '一部達成'), ('not_achieved', '未達成')], max_length=16, verbose_name='result')),
                ('comment', casework.fields.EncryptedTextField(blank=True, verbose_name='comment')),
            ],
            options={
                'ordering': ['goal__order', 'id'],
            },
        ),
        migrations.AlterModelOptions(
            name='planrole',
            options={'ordering': ['id']},
        ),
        migrations.AddField(
            model_name='planrole',
            name='by_when',
            field=models.DateField(blank=True, null=True, verbose_name='by when'),
        ),
        migrations.AddField(
            model_name='planrole',
            name='who',
            field=models.CharField(choices=[('agency', '関係機関'), ('person', '本人'), ('family', '家族'), ('caseworker', '担当相談員'), ('other', 'その他')], db_default='agency', default='agency', max_length=16, verbose_name='who'),
        ),
        migrations.AddField(
            model_name='supportplan',
            name='agreed_on',
            field=models.DateField(blank=True, null=True, verbose_name='agreed on'),
        ),
        migrations.AddField(
            model_name='supportplan',
            name='agreement_method',
            field=models.CharField(blank=True, choices=[('signed', '署名'), ('verbal', '口頭で確認'), ('proxy', '代理人'), ('other', 'その他')], db_default='', default='', max_length=16, verbose_name='how the agreement was recorded'),
        ),
        migrations.AddField(
            model_name='supportplan',
            name='agreement_note',
            field=casework.fields.EncryptedTextField(blank=True, db_default='', default='', verbose_name='agreement note'),
        ),
        migrations.AlterField(
            model_name='planrole',
            name='agency',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='network.agency'),
        ),
        migrations.AddConstraint(
            model_name='supportplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('agreed_on__isnull', True), ('agreement_method', '')), models.Q(('agreed_on__isnull', False), models.Q(('agreement_method', ''), _negated=True)), _connector='OR'), name='plan_agreement_date_and_method'),
        ),
        migrations.AddField(
            model_name='planevaluation',
            name='evaluated_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='planevaluation',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='casework.supportplan'),
        ),
        migrations.AddField(
            model_name='plangoal',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='casework.supportplan'),
        ),
        migrations.AddField(
            model_name='planrole',
            name='goal',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='casework.plangoal'),
        ),
        migrations.AddConstraint(
            model_name='planrole',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', False), ('who', 'agency')), models.Q(models.Q(('who', 'agency'), _negated=True), ('agency__isnull', True)), _connector='OR'), name='plan_role_agency_or_actor'),
        ),
        migrations.AddField(
            model_name='plangoalevaluation',
            name='evaluation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goal_results', to='casework.planevaluation'),
        ),
        migrations.AddField(
            model_name='plangoalevaluation',
            name='goal',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='casework.plangoal'),
        ),
        migrations.AddConstraint(
            model_name='plangoal',
            constraint=models.UniqueConstraint(fields=('plan', 'order'), name='plan_goal_order_unique'),
        ),
        migrations.AddConstraint(
            model_name='plangoalevaluation',
            constraint=models.UniqueConstraint(fields=('evaluation', 'goal'), name='plan_goal_evaluation_unique'),
        ),
        migrations.RunPython(short_term_goal_to_goals, goals_to_short_term_goal),
        migrations.RemoveField(
            model_name='supportplan',
            name='short_term_goal',
        ),
    ]
