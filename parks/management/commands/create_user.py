from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parks.access import role_is_superuser, role_needs_park
from parks.models import Park, Role, User


class Command(BaseCommand):
    help = "创建用户，或更新已有用户的角色、园区和密码。Create a user, or update role, park and password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--park", help="园区代码 park code (required for park_admin)")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args, username, password, role, park=None, email="", **options):
        park_obj = None
        if park:
            park_obj = Park.objects.filter(code=park).first()
            if park_obj is None:
                raise CommandError(f"园区代码不存在 / unknown park code: {park}")
        if role_needs_park(role) and park_obj is None:
            raise CommandError("园区管理员必须指定 --park / a park_admin needs --park CODE")
        user, created = User.objects.get_or_create(username=username)
        user.role = role
        user.park = park_obj
        if email:
            user.email = email
        user.is_staff = user.is_superuser = role_is_superuser(role)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求 / password rejected: " + " ".join(exc.messages))
        user.set_password(password)
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
        user.save()
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {username} ({role}{', ' + park if park else ''})"))
