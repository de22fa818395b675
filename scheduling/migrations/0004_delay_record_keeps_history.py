"""Delay records outlive their milestone: they keep the project and the node's kind and name
(filled for existing rows from the milestone), and deleting a milestone sets it to null
instead of deleting its delay history."""

import django.db.models.deletion
from django.db import migrations, models


def copy_from_milestones(apps, schema_editor):
    DelayRecord = apps.get_model("scheduling", "DelayRecord")
    Milestone = apps.get_model("scheduling", "Milestone")
    milestone = Milestone.objects.filter(pk=models.OuterRef("milestone_id"))
    DelayRecord.objects.update(
        project_id=models.Subquery(milestone.values("project_id")[:1]),
        kind=models.Subquery(milestone.values("kind")[:1]),
        name=models.Subquery(milestone.values("name")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("scheduling", "0003_default_beat_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="delayrecord",
            name="project",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="delays",
                to="projects.project",
                verbose_name="项目",
            ),
        ),
        migrations.AddField(
            model_name="delayrecord",
            name="kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("signing", "签约"),
                    ("land", "供地"),
                    ("land_use_permit", "用地规划许可证"),
                    ("planning_permit", "工程规划许可证"),
                    ("construction_permit", "施工许可证"),
                    ("property_certificate", "不动产权证书"),
                    ("construction_start", "开工"),
                    ("topping_out", "主体完工"),
                    ("completion", "竣工验收"),
                    ("production_start", "投产"),
                    ("full_capacity", "达效"),
                    ("other", "其他"),
                ],
                default="",
                max_length=32,
                verbose_name="节点类型",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="delayrecord",
            name="name",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="节点名称"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_milestones, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="delayrecord",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="delays",
                to="projects.project",
                verbose_name="项目",
            ),
        ),
        migrations.AlterField(
            model_name="delayrecord",
            name="milestone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="delays",
                to="scheduling.milestone",
                verbose_name="节点",
            ),
        ),
        migrations.AlterField(
            model_name="delayrecord",
            name="close_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("completed", "已完成"),
                    ("replanned", "已调整计划"),
                    ("archived", "项目已归档"),
                    ("deleted", "节点已删除"),
                ],
                max_length=16,
                verbose_name="关闭原因",
            ),
        ),
    ]
