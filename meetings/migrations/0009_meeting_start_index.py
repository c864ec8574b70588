from django.db import migrations, models

from core.dbops import AddIndexWithoutBlocking


class Migration(migrations.Migration):
    # the meetings table is the largest one: the index is built without blocking its writes
    atomic = False

    dependencies = [
        ("meetings", "0008_merge_private_storage"),
    ]

    operations = [
        AddIndexWithoutBlocking(
            model_name="meeting",
            index=models.Index(fields=["-starts_at", "-id"], name="meeting_start"),
        ),
    ]
