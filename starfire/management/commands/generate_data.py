import time

from django.core.management.base import BaseCommand, CommandError

from starfire.generate import Plan, generate, has_data


class Command(BaseCommand):
    help = (
        "Generate a province-sized register, rating cycles and meetings for load tests and benchmarks; "
        "the same --seed gives the same data. Refuses a database that already has data unless --force."
    )

    def add_arguments(self, parser):
        defaults = Plan()
        parser.add_argument("--organizations", type=int, default=defaults.organizations)
        parser.add_argument("--party-organizations", type=int, default=defaults.party_organizations)
        parser.add_argument("--meetings", type=int, default=defaults.meetings)
        parser.add_argument(
            "--cycles", type=int, default=defaults.cycles, help="rating years, the last one open"
        )
        parser.add_argument("--last-year", type=int, default=defaults.last_year)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--password", default=defaults.password, help="password of the generated logins")
        parser.add_argument("--force", action="store_true", help="add to a database that already has data")

    def handle(self, *args, **options):
        plan = Plan(
            organizations=options["organizations"],
            party_organizations=options["party_organizations"],
            meetings=options["meetings"],
            cycles=options["cycles"],
            last_year=options["last_year"],
            seed=options["seed"],
            password=options["password"],
        )
        problems = [
            f"--{name.replace('_', '-')} must be at least {low}"
            for name, low in (
                ("organizations", 1),
                ("party_organizations", 1),
                ("meetings", 0),
                ("cycles", 1),
            )
            if getattr(plan, name) < low
        ]
        if plan.party_organizations > plan.organizations:
            problems.append("--party-organizations cannot be more than --organizations")
        if plan.last_year - plan.cycles + 1 < 2000 or plan.last_year > 2100:
            problems.append("--last-year and --cycles must keep every year within 2000–2100")
        if problems:
            raise CommandError("; ".join(problems))
        if has_data() and not options["force"]:
            raise CommandError(
                "This database already has committees or logins. generate_data is for a throw-away "
                "database; add --force to add generated data beside what is there."
            )
        started = time.perf_counter()
        made = generate(plan, log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            self.style.SUCCESS(f"Generated in {time.perf_counter() - started:.1f} s (seed {plan.seed}):")
        )
        for what, n in made.counts.items():
            self.stdout.write(f"  {what}: {n:,}")
        self.stdout.write(f"Logins (password {plan.password}):")
        for username, role in made.logins:
            self.stdout.write(f"  {username:<16} {role}")
