"""The list's filter form (web.forms.ProjectFilterForm, also the board's and the map's): its
options come from one cached read of the parks and the industries (parks.selectors), exact
after every write; its park and industry fields accept and refuse exactly what Django's
ModelChoiceField over the same rows does; and its fields drawn in Python (`fields_html`) are
exactly the template loop with Django's own widgets."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.utils import translation

from common import dataversion
from parks.access import visible_parks, visible_parks_among
from parks.models import Industry, Park
from parks.selectors import park_and_industry_lists
from tests import factories
from tests.web.test_queries import Statements
from web.forms import ListedModelChoiceField, ProjectFilterForm

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & "引号" \'单\''

# projects/_filters.html's loop before ProjectFilterForm.fields_html drew it.
OLD_LOOP = "{% for field in form %}<label>{{ field.label }} {{ field }}</label>{% endfor %}"


def _django_widgets(form) -> None:
    """The form's fields drawn by Django's own widgets and templates."""
    for name, field in form.fields.items():
        old = field.widget
        if isinstance(old, forms.Select):
            new = forms.Select(attrs=dict(old.attrs), choices=field.choices)
        elif isinstance(old, forms.CheckboxInput):
            new = forms.CheckboxInput(attrs=dict(old.attrs))
        else:
            new = forms.TextInput(attrs=dict(old.attrs))
        new.is_required = old.is_required
        field.widget = new


CASES = [
    None,
    {"q": HOSTILE, "spend_ahead": "on", "level": "provincial", "stage": "signed", "status": "red"},
    {"park": "PARK_B", "industry": "EI_IC", "spend_ahead": ""},
    {"park": "999999", "industry": "x", "level": "<b>", "status": "<i>", "q": "  a  "},
    {"page": "2", "sort": "name"},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_fields_html_is_the_template_loop(city, language, case):
    Park.objects.filter(pk=city.park_b.pk).update(name=f"园区{HOSTILE}")
    Industry.objects.filter(pk=city.ei_ic.pk).update(name=f"产业{HOSTILE}")
    data = CASES[case]
    if data:
        data = {
            k: v.replace("PARK_B", str(city.park_b.pk)).replace("EI_IC", str(city.ei_ic.pk)) for k, v in data.items()
        }
    with translation.override(language):
        form = ProjectFilterForm(data)
        form.is_valid()
        new = str(form.fields_html())
        _django_widgets(form)
        form._bound_fields_cache.clear()
        old = Template(OLD_LOOP).render(Context({"form": form}))
    assert new == old
    assert "<script>" not in new
    if data and data.get("spend_ahead") == "on":
        assert 'name="spend_ahead" id="id_spend_ahead" checked' in new


VALUES = ["", None, "1", " 2", "02", "+2", "٢", "2.0", "x", "999999", "99999999999999999999", "-1", "a\x00", "PK"]


@pytest.mark.parametrize("model", [Park, Industry])
def test_listed_field_cleans_as_django_does(city, model):
    rows = model.objects.all()
    pk = str(rows.order_by("-pk").first().pk)
    for raw in [*VALUES, rows.first()]:
        value = pk if raw == "PK" else raw
        listed = ListedModelChoiceField(model, required=False)
        listed.set_objects(rows)
        django = forms.ModelChoiceField(rows, required=False)
        try:
            expected = django.clean(value)
        except ValidationError as exc:
            with pytest.raises(ValidationError) as got:
                listed.clean(value)
            assert got.value.messages == exc.messages, value
            assert got.value.code == exc.code, value
        else:
            got = listed.clean(value)
            assert (got.pk if got else None) == (expected.pk if expected else None), value


def test_listed_field_refuses_what_it_does_not_list(city):
    field = ListedModelChoiceField(Park, required=False)
    field.set_objects([city.park_a])
    assert field.clean(str(city.park_a.pk)) == city.park_a
    with pytest.raises(ValidationError):
        field.clean(str(city.park_b.pk))


def test_park_admin_sees_its_parks_only(city, park_a_admin, commission_user):
    parks, _industries = park_and_industry_lists()
    for user in (park_a_admin, commission_user):
        assert [p.pk for p in visible_parks_among(user, parks)] == [p.pk for p in visible_parks(user)]
    form = ProjectFilterForm({"park": str(city.park_b.pk)}, parks=visible_parks_among(park_a_admin, parks))
    assert not form.is_valid() and "park" in form.errors
    assert f'value="{city.park_b.pk}"' not in str(form["park"])


def test_lists_are_read_once_and_exact_after_a_write(city):
    dataversion.bump()
    first = park_and_industry_lists()
    statements = Statements()
    with connection.execute_wrapper(statements):
        again = park_and_industry_lists()
    assert len(statements) == 0
    assert [p.pk for p in again[0]] == [p.pk for p in first[0]] == list(Park.objects.values_list("pk", flat=True))
    assert [i.pk for i in again[1]] == list(Industry.objects.values_list("pk", flat=True))
    Park.objects.filter(pk=city.park_b.pk).update(name="改名园区", sort_order=0)
    Industry.objects.filter(pk=city.ei_ic.pk).update(name="改名产业")
    parks, industries = park_and_industry_lists()
    assert [p.pk for p in parks] == list(Park.objects.values_list("pk", flat=True))
    assert {p.name for p in parks if p.pk == city.park_b.pk} == {"改名园区"}
    assert {i.name for i in industries if i.pk == city.ei_ic.pk} == {"改名产业"}


def test_list_page_shows_a_renamed_park_at_once(client_commission, city):
    assert "改名园区" not in client_commission.get("/projects/").content.decode()
    Park.objects.filter(pk=city.park_b.pk).update(name="改名园区")
    assert "改名园区" in client_commission.get("/projects/").content.decode()
    Park.objects.create(code="NEW", name="新园区", region=city.park_b.region)
    assert "新园区" in client_commission.get("/projects/").content.decode()


@pytest.mark.parametrize("who", ["client_commission", "client_a"])
def test_a_warm_list_page_reads_neither_options_nor_a_separate_count(request, city, who):
    """The filter's options come from the pages cache; on PostgreSQL the unfiltered total is a
    column of the page's rows (projects.selectors.visible_project_count_column)."""
    from django.conf import settings

    client = request.getfixturevalue(who)
    factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)  # an empty page counts apart
    for _ in range(2):
        client.get("/projects/")
    statements = Statements()
    with connection.execute_wrapper(statements):
        html = client.get("/projects/").content.decode()
    assert "共 " in html
    reads = [sql for sql in statements.sql if "parks_industry" in sql.split("FROM", 1)[-1][:40]]
    assert reads == [], statements.sql
    assert not any('"parks_park"."name" FROM "parks_park" ORDER BY' in sql for sql in statements.sql)
    if settings.IS_POSTGRES:
        counts = [sql for sql in statements.sql if "projectcount" in sql]
        assert len(counts) == 1 and "list_total" in counts[0], statements.sql  # the rows' own statement
    else:  # SQLite keeps no per-park counts: COUNT(*)
        assert sum(sql.startswith('SELECT COUNT(*) AS "__count"') for sql in statements.sql) == 1, statements.sql


def test_pager_and_total_whatever_the_page(client_commission, city):
    """Past the end, not a number, or not plain digits: the page Django's paginator gives, and
    the total of every visible project, with the count read in the rows' statement or not."""
    from projects.models import Project
    from tests.web.conftest import make_projects
    from web.views.base import today

    make_projects(city, 120, today())
    total = Project.objects.active().count()
    last = -(-total // 50)
    for page, number in [("", 1), ("1", 1), ("2", 2), (str(last), last), ("99", last), ("x", 1), ("0", last),
                         ("-1", last), ("٢", 2), (" 2", 2)]:  # fmt: skip
        response = client_commission.get("/projects/", {"page": page} if page else {})
        shown = response.context["page"]
        assert (shown.paginator.count, shown.number) == (total, number), page
        assert len(shown.object_list) == (total - 50 * (last - 1) if number == last else 50), page


def test_park_admin_scope_follows_the_park_tree_at_once(client_a, city):
    """The park admin's parks (its park and sub-parks) come from the cached park list on the
    list page: a sub-park added, or one moved away, changes the scope on the next request."""
    sub = Park.objects.create(code="NEWSUB", name="新子园区", region=city.park_a.region, parent=city.park_a)
    factories.ProjectFactory(name="新子园区项目", park=sub, industry=city.bio_drug)
    factories.ProjectFactory(name="别园项目", park=city.park_b, industry=city.bio_drug)
    html = client_a.get("/projects/").content.decode()
    assert "新子园区项目" in html and "别园项目" not in html
    assert f'<option value="{sub.pk}">新子园区</option>' in html
    Park.objects.filter(pk=sub.pk).update(parent=city.park_b)
    html = client_a.get("/projects/").content.decode()
    assert "新子园区项目" not in html and "新子园区" not in html
    assert city.park_a.name in html  # the header's park of the user, from the same list
