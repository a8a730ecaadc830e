"""Responsible persons (防汛责任人): named for points, stretches and villages, missing ones flagged, phones only for
those allowed to see them, imported from the spreadsheets offices keep; the obstruction's owner (设障者)."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hazards.models import ObstructionOwner, Responsibility, ResponsiblePerson
from hazards.season import season_year

from .reports import pdf_pages

PDF = "/reports/risk-list.pdf"


def test_the_three_named_for_a_stretch_are_the_people_of_each_hazard_on_it(flood, client_as):
    page = client_as("leader").get(flood.hazards["baimiao"].get_absolute_url()).content.decode()
    section = page.split('id="responsible"')[1]
    assert all(name in section for name in ("Zhou", "Zheng", "Ma")) and "needs all three named" not in section


def test_an_open_red_hazard_without_its_three_is_flagged_on_its_page_and_in_the_readiness_table(flood, client_as):
    page = client_as("leader").get(flood.hazards["pier"].get_absolute_url()).content.decode()
    assert "An open red or orange hazard needs all three named: Administrative, Technical, Patrol missing." in page
    yellow = client_as("leader").get(flood.hazards["sand"].get_absolute_url()).content.decode()
    assert "needs all three named" not in yellow  # a yellow hazard is not held to it
    table = client_as("leader").get(reverse("hazards:readiness")).content.decode()
    hazards = table.split('id="hazards-without-people"')[1].split("</section>")[0]
    assert flood.hazards["pier"].code in hazards and flood.hazards["baimiao"].code not in hazards


def test_an_at_risk_village_without_its_people_is_flagged_in_the_readiness_table(flood, client_as):
    table = client_as("leader").get(reverse("hazards:readiness") + "?river=chaobai").content.decode()
    rows = {row.split('"')[0]: row.split("</tr>")[0] for row in table.split('data-village="')[1:]}
    shiguzhuang, baimiao = rows[flood.shiguzhuang.code], rows[flood.baimiao.code]
    assert "not named: Administrative, Technical, Patrol, Evacuation lead" in shiguzhuang
    assert "not named" not in baimiao and "Lead" in baimiao


def test_phones_are_shown_to_leaders_admins_and_the_people_on_duty_only(flood, client_as):
    url = reverse("hazards:people")
    for who in ("leader", "admin", "inspector"):  # the inspector is on duty
        assert "13800001005" in client_as(who).get(url).content.decode(), who
    flood.shift.delete()
    for who in ("inspector", "engineer"):
        for page in (url, reverse("hazards:person", args=[flood.people["ma"].pk]),
                     flood.hazards["baimiao"].get_absolute_url()):
            text = client_as(who).get(page).content.decode()
            assert "Ma" in text and "13800001005" not in text, (who, page)


def test_the_risk_list_prints_each_stops_people_depot_and_team_with_phones_only_for_those_allowed(flood, client_as):
    from hazards.models import Depot, RescueTeam, TeamStretch

    Depot.objects.create(name="Songzhuang depot", location=flood.hazards["shiguzhuang"].location, keeper="Yang")
    team = RescueTeam.objects.create(name="Songzhuang team", size=60, base=flood.hazards["baimiao"].location,
                                     contact="Yang", standby="standby")
    TeamStretch.objects.create(team=team, river=flood.chaobai, start_m=0, end_m=20000)
    flood.shift.delete()
    leader = "".join(pdf_pages(client_as("leader").get(PDF + "?river=chaobai&open=true").content))
    stop = leader.split("Trees in the channel at Baimiao")[-1]
    assert "Adm. Zhou 13800001001" in " ".join(stop.split()) and "Songzhuang depot" in stop
    assert "Songzhuang team · On standby" in " ".join(stop.split())
    assert "missing: Administrative, Technical, Patrol" in " ".join(leader.split())  # the bridge pier
    engineer = "".join(pdf_pages(client_as("engineer").get(PDF + "?river=chaobai&open=true").content))
    assert "Adm. Zhou" in " ".join(engineer.split()) and "1380000" not in engineer


def spreadsheet(rows, title="宋庄镇防汛责任人名单（2027年）"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.merge_cells("A1:H1")
    sheet.append(["姓名", "单位", "职务", "手机", "邮箱", "责任人类型", "河道", "起点桩号", "终点桩号", "村庄", "碍洪点编号",
                  "培训日期", "单位负责人"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("责任人.xlsx", out.getvalue())


def test_an_admin_imports_responsible_persons_from_an_office_spreadsheet(flood, client_as):
    pier = flood.hazards["pier"].code
    rows = [
        ["孙丽", "宋庄镇人民政府", "包村干部", "13800000202", "sunli@example.cn", "转移", None, None, None, "师姑庄村", None,
         "2026-04-20", "否"],
        ["何春生", "宋庄镇河长办", "巡河员", "13800002003", None, "巡查", "潮白河", "K20+000", "K26+000", None, None, None,
         None],
        ["何春生", "宋庄镇河长办", "巡河员", "13800002003", None, "巡查", None, None, None, None, pier, None, None],
        ["吴建华", "宋庄镇人民政府", "镇长", "13800001002", None, "行政", None, None, None, None, pier,
         datetime.datetime(2026, 4, 20), "是"],
    ]
    client = client_as("admin")
    dry = client.post(reverse("hazards:people-import"), {"file": spreadsheet(rows)})
    page = dry.content.decode()
    assert dry.status_code == 200 and "4 rows: 3 new people, 4 new responsibilities, 0 already on record." in page
    assert not ResponsiblePerson.objects.filter(name="孙丽").exists()  # a dry run writes nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post(reverse("hazards:people-import"), {"token": token}).status_code == 302
    he = ResponsiblePerson.objects.get(name="何春生")
    assert he.responsibilities.count() == 2  # one person, two places
    stretch = he.responsibilities.get(river=flood.chaobai)
    assert (stretch.start_m, stretch.end_m, stretch.season) == (20000, 26000, season_year())
    assert ResponsiblePerson.objects.get(name="吴建华").leads_unit
    assert ResponsiblePerson.objects.get(name="孙丽").trained_on == datetime.date(2026, 4, 20)
    again = client.post(reverse("hazards:people-import"), {"file": spreadsheet(rows)}).content.decode()
    assert "0 new people, 0 new responsibilities, 4 already on record." in again


def test_bad_rows_are_named_and_nothing_is_imported(flood, client_as):
    rows = [
        ["孙丽", "宋庄镇人民政府", "", "13800000202", "", "转移", None, None, None, "师姑庄村", None, None, None],
        ["钱七", "宋庄镇", "", "call me", "", "队长", None, None, None, "师姑庄村", None, None, None],
        ["赵八", "宋庄镇", "", "13800009999", "", "巡查", None, None, None, "不存在村", None, None, None],
        ["周九", "宋庄镇", "", "13800009998", "", "转移", "潮白河", "K1+000", "K2+000", None, None, None, None],
    ]
    before = Responsibility.objects.count()
    response = client_as("admin").post(reverse("hazards:people-import"), {"file": spreadsheet(rows)})
    page = response.content.decode()
    assert response.status_code == 400 and "nothing will be imported" in page
    for expected in ("Unknown role “队长”", "A phone number", "No village is called “不存在村”",
                     "An evacuation lead is named for a village."):
        assert expected in page, expected
    assert 'name="token"' not in page and Responsibility.objects.count() == before


def test_an_inspector_records_the_owner_and_a_passed_deadline_is_flagged(flood, client_as):
    hazard = flood.hazards["shiguzhuang"]
    served = timezone.localdate() - datetime.timedelta(days=40)
    response = client_as("inspector").post(reverse("hazards:hazard-owner", args=[hazard.code]), {
        "name": "某建材公司", "contact": "13900000001", "notice_date": served.isoformat(),
        "notice_deadline": (served + datetime.timedelta(days=30)).isoformat(), "cost_recovered": "12000.50"})
    assert response.status_code == 302
    owner = ObstructionOwner.objects.get(hazard=hazard)
    assert owner.is_overdue and str(owner.cost_recovered) == "12000.50"
    page = client_as("engineer").get(hazard.get_absolute_url()).content.decode()
    assert "某建材公司" in page and "deadline passed: forced clearance may be ordered" in page
    assert "13900000001" not in page  # the owner's phone, like the others, is for those allowed
    backwards = client_as("inspector").post(reverse("hazards:hazard-owner", args=[hazard.code]), {
        "name": "某建材公司", "notice_date": served.isoformat(), "notice_deadline": "2000-01-01"})
    assert backwards.status_code == 400 and "The deadline is before the notice was served." in backwards.content.decode()


def test_an_admin_names_a_person_for_a_hazard_a_stretch_and_a_village_from_the_page(flood, client_as):
    data = {"name": "Qian", "unit": "Songzhuang town", "mobile": "138 0000 7777", "places-TOTAL_FORMS": "3",
            "places-INITIAL_FORMS": "0", "places-MIN_NUM_FORMS": "0", "places-MAX_NUM_FORMS": "1000"}
    season = str(season_year())
    for i, place in enumerate([{"hazard": flood.hazards["pier"].code}, {"river": str(flood.chaobai.pk),
                               "start_m": "20000", "end_m": "26000"}, {"village": str(flood.shiguzhuang.pk)}]):
        data.update({f"places-{i}-role": "patrol", f"places-{i}-season": season,
                     **{f"places-{i}-{k}": v for k, v in place.items()}})
    response = client_as("admin").post(reverse("hazards:person-create"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    qian = ResponsiblePerson.objects.get(name="Qian")
    assert qian.responsibilities.count() == 3 and qian.history.first().history_user.username == "admin"
    page = client_as("leader").get(flood.hazards["pier"].get_absolute_url()).content.decode()
    assert "Administrative, Technical missing" in page  # patrol is named now, twice over
