"""The top bar of every page (base.html): the main navigation and the user box, built in Python.

Exactly the HTML of the template markup they replaced (kept verbatim in tests/web/test_topbar.py,
which compares both for every role, page and language, hostile names included). The template
version cost about a millisecond of every HTML page (fourteen URL reversals, twenty
translation tags and their conditions); here the URLs are reversed once per process and prefix."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, gettext, pgettext

from web.rows import csrf_input

register = template.Library()

# (URL name, the url_names that mark it "on", its label (context "nav"), the user's property
# (parks.access's decision, as base.html read it) that shows it; None: everyone signed in).
NAV = (
    ("web:dashboard", ("dashboard",), "总览", None),
    ("web:project_list", ("project_list", "detail", "edit", "create"), "项目清单", None),
    ("web:board", ("board",), "挂图", None),
    ("web:map", ("map",), "项目分布图", None),
    ("web:grid", ("grid",), "月度填报", None),
    ("web:review", ("review",), "审核", "is_commission"),
    ("web:comparable", ("comparable",), "可比口径", "is_commission"),
    ("web:problems", ("problems",), "督办", None),
    ("web:reporting_status", ("reporting_status",), "填报进度", None),
    ("web:weekly_list", ("weekly_list", "weekly_detail"), "每周通报", None),
    ("web:import", ("import", "import_job"), "Excel导入", "can_write_anything"),
)
_urls: dict[tuple, str] = {}


def _url(name: str) -> str:
    key = (get_script_prefix(), get_urlconf(), name)
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(name)
    return url


@register.simple_tag(takes_context=True)
def mainnav(context) -> SafeString:
    """The <nav> of a signed-in user ('' otherwise)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return mark_safe("")
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else None
    esc = conditional_escape
    out = ['\n    <nav class="mainnav">\n      ']
    for name, marks, label, who in NAV:
        link = ""
        if who is None or getattr(user, who):
            on = ' class="on"' if current in marks else ""
            link = f'<a href="{esc(_url(name))}"{on}>{esc(pgettext("nav", label))}</a>'
        out.append(f"\n      {link}")
    out.append("\n      \n    </nav>\n    ")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


@register.simple_tag(takes_context=True)
def userbox(context) -> SafeString:
    """The language switch, and for a signed-in user their name, park and role, the password
    link and the sign-out button (the inside of <div class="userbox">)."""
    esc = conditional_escape
    request = context.get("request")
    current = get_language()
    csrf = csrf_input(context.get("csrf_token"))
    buttons = []
    for code, _name in settings.LANGUAGES:
        if code != current:
            info = get_language_info(code)
            buttons.append(
                f'<button type="submit" name="language" value="{esc(info["code"])}" class="linkbtn" '
                f'lang="{esc(info["code"])}">{esc(info["name_local"])}</button>'
            )
    path = request.get_full_path() if request is not None else ""
    out = [
        f'\n      <form action="{esc(_url("set_language"))}" method="post" class="inline langform">{csrf}\n'
        f'        <input name="next" type="hidden" value="{esc(path)}">\n'
        f"        \n        {''.join(buttons)}\n      </form>\n      "
    ]
    user = context.get("user")
    if user is not None and user.is_authenticated:
        park = f" · {esc(user.park.name)}" if user.park else ""
        out.append(
            f'\n      <span class="who">{esc(user.get_full_name() or user.username)}{park} · '
            f"{esc(user.get_role_display())}</span>\n"
            f'      <a href="{esc(_url("web:password_change"))}">{esc(gettext("修改密码"))}</a>\n'
            f'      <form action="{esc(_url("web:logout"))}" method="post" class="inline">{csrf}'
            f'<button type="submit" class="linkbtn">{esc(gettext("退出"))}</button></form>\n      '
        )
    out.append("\n    ")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
