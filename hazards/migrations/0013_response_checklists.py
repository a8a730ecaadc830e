"""The default checklist of each response level (admins change them afterwards)."""

from django.db import migrations

PATROLS = {  # response level: how often patrols go out
    4: ("巡查频次提高到每天一次", "Raise patrols to once a day"),
    3: ("巡查频次提高到每天两次", "Raise patrols to twice a day"),
    2: ("巡查频次提高到每四小时一次", "Raise patrols to every four hours"),
    1: ("二十四小时不间断巡查", "Patrol round the clock"),
}
ALWAYS = [
    ("叫应各点位、河段和村庄的防汛责任人，确认全部收到", "Call the responsible persons of the points, stretches and "
     "villages, and have every one confirm"),
    ("预案在本级启动的村庄组织转移，应转尽转", "Evacuate the villages whose plan triggers at this level: everyone who "
     "must move is moved"),
    ("抢险队伍进入备勤状态", "Put the rescue teams on standby"),
]


def add_defaults(apps, schema_editor):
    ChecklistItem = apps.get_model("hazards", "ChecklistItem")
    for level, patrol in PATROLS.items():
        for position, (zh, en) in enumerate([patrol, *ALWAYS]):
            ChecklistItem.objects.create(response_level=level, position=position, text_zh=zh, text_en=en)


def remove_defaults(apps, schema_editor):
    apps.get_model("hazards", "ChecklistItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0012_response")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
