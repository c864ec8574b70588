from django.core.management.base import BaseCommand

from branches import demo
from meetings.demo import load_meetings
from starfire.demo import load_ratings
from starfire.demo.followup import load_followup
from starfire.demo.programme import load_programme
from starfire.demo.promotion import load_promotion
from starfire.demo.province import load_province


class Command(BaseCommand):
    help = (
        "Create (or complete) the demo data: 四川省社会组织第二综合党委, its register, the 2023 and 2024 "
        "rating cycles, a year of meetings and the programme around the score. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--register-only",
            action="store_true",
            help="Only the register (committees, organisations, party organisations, people).",
        )

    def handle(self, *args, **options):
        data = demo.load_register()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪：{data['committee'].name}，{len(data['orgs'])} 个社会组织，{len(data['party_orgs'])} 个党组织。"
            )
        )
        if not options["register_only"]:
            self._ratings_and_meetings()
        self._logins()

    def _ratings_and_meetings(self):
        ratings = load_ratings()
        for line in ratings["cycles"]:
            self.stdout.write(f"评星周期：{line}")
        meetings = load_meetings()
        self.stdout.write(f"会议记录：新增 {meetings['created']} 条（{meetings['branches']} 个党组织）。")
        load_promotion()
        load_followup()
        load_province()
        programme = load_programme()
        self.stdout.write(
            f"评星之外：牵手结对 {programme['pairings']} 对，提升计划 {programme['plans']} 份，"
            f"典型经验 {programme['cases']} 篇已发布。"
        )

    def _logins(self):
        from branches.models import User

        named = (
            ("admin", "系统管理员（全部综合党委）"),
            ("staff", "综合党委工作人员（四川省社会组织第二综合党委）"),
            ("wuhou", "支部书记（成都市武侯社区发展基金会党支部）"),
            ("inspector1", "验收人员"),
            ("inspector2", "验收人员"),
            ("inspector3", "验收人员（与武侯社区发展基金会有回避关系，不能分配给该支部）"),
            ("staff1", "另一综合党委的工作人员（看不到第二综合党委的数据）"),
            ("inspector_yi1", "另一综合党委的验收人员"),
            ("inspector_yi2", "另一综合党委的验收人员"),
            ("province", "省两新工委（只读两个综合党委已公示的结果）"),
        )
        existing = set(
            User.objects.filter(username__in=[u for u, _ in named]).values_list("username", flat=True)
        )
        secretaries = User.objects.filter(username__startswith="sec", role="secretary").order_by("username")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("演示账号（密码均为 %s）：" % demo.DEMO_PASSWORD))
        for username, role in named:
            if username in existing:
                self.stdout.write(f"  {username:<11} {role}")
        first, last = secretaries.first(), secretaries.last()
        if first:
            self.stdout.write(
                f"  {first.username}…{last.username}  其他 {secretaries.count()} 个党组织的支部书记"
            )
