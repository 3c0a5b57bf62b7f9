"""A user may hold several roles, each with its own scope: RoleAssignment replaces User.role."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = [
    ("administrator", "administrator"),
    ("data_officer", "data officer"),
    ("licensing_officer", "licensing officer"),
    ("inspector", "inspector"),
    ("environment_officer", "environment and health officer"),
    ("supply_chain_actor", "supply-chain actor"),
    ("grants_reviewer", "grants reviewer"),
    ("library_editor", "library editor"),
    ("member", "member"),
]


def roles_from_users(apps, schema_editor):
    """Each user's one role, with their countries and organisation, becomes an assignment."""
    User = apps.get_model("accounts", "User")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for user in User.objects.all().iterator():
        assignment = RoleAssignment.objects.create(
            user=user, role=user.role, organisation_id=user.organisation_id
        )
        assignment.countries.set(user.countries.all())


def roles_to_users(apps, schema_editor):
    """Back to one role: the first assignment's role; the countries of all of them."""
    User = apps.get_model("accounts", "User")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for user in User.objects.all().iterator():
        assignments = list(RoleAssignment.objects.filter(user=user).order_by("pk"))
        if assignments:
            user.role = assignments[0].role
            user.save(update_fields=["role"])
        for assignment in assignments:
            user.countries.add(*assignment.countries.all())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_directory_search_names"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoleAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=ROLES, max_length=30, verbose_name="role")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("countries", models.ManyToManyField(blank=True, related_name="+", to="core.country", verbose_name="countries in scope")),
                ("organisation", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="role_assignments", to="accounts.organisation", verbose_name="organisation in scope")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="role_assignments", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "role assignment",
                "verbose_name_plural": "role assignments",
                "ordering": ["user", "role", "pk"],
                "constraints": [models.UniqueConstraint(fields=("user", "role"), name="role_assignment_unique_role")],
            },
        ),
        migrations.RunPython(roles_from_users, roles_to_users),
        migrations.RemoveField(model_name="user", name="countries"),
        migrations.RemoveField(model_name="user", name="role"),
        migrations.AlterField(
            model_name="user",
            name="organisation",
            field=models.ForeignKey(blank=True, help_text="The organisation the person works for.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="members", to="accounts.organisation", verbose_name="organisation"),
        ),
    ]
