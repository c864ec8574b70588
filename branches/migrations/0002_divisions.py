from django.db import migrations


def load(apps, schema_editor):
    from branches.divisions import SICHUAN

    Division = apps.get_model("branches", "Division")
    for code, name in SICHUAN.items():
        Division.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
