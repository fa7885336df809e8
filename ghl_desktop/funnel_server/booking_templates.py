# ruff: noqa: E501  (HTML and CSS read better unwrapped)
"""Templates of the public booking pages (Jinja2, autoescaped: every visitor or owner value is
escaped). Styles and the one script carry the response's CSP nonce."""

from __future__ import annotations

from functools import cache

from jinja2 import DictLoader, Environment, select_autoescape

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><link rel="icon" href="data:,">
<title>{% block title %}{{ calendar.name }}{% endblock %}</title>
<style nonce="{{ nonce }}">
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6fa;color:#1d2433}
main{max-width:760px;margin:32px auto;background:#fff;border-radius:12px;padding:28px 32px;
box-shadow:0 2px 12px rgba(20,30,60,.08)}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.1rem;margin:24px 0 10px}
.muted{color:#5b6477}.steps{font-size:.85rem;color:#5b6477;margin-bottom:18px}
.steps b{color:#1f5eff}
.card{display:block;box-sizing:border-box;border:1px solid #d8deea;border-radius:8px;padding:12px 14px;margin:8px 0;
text-decoration:none;color:inherit;background:#fff;width:100%;text-align:left;font:inherit;cursor:pointer}
a.card:hover{border-color:#1f5eff}
.days{display:flex;flex-wrap:wrap;gap:6px}.days a,.days span{padding:8px 10px;border-radius:6px;
border:1px solid #d8deea;text-decoration:none;color:#1d2433;font-size:.9rem;min-width:64px;text-align:center}
.days a.on{background:#1f5eff;color:#fff;border-color:#1f5eff}.days span{color:#aab2c2}
.slots{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:8px}
.slots a{display:block;text-align:center;padding:10px;border:1px solid #1f5eff;border-radius:6px;
color:#1f5eff;text-decoration:none;font-weight:600}.slots a:hover{background:#1f5eff;color:#fff}
label{display:block;margin:12px 0 4px;font-weight:600}
input,select,textarea{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c9d1e0;border-radius:6px;font:inherit}
.primary{background:#1f5eff;color:#fff;border:0;border-radius:6px;padding:11px 18px;font:inherit;
font-weight:600;margin-top:18px;cursor:pointer}.danger{background:#d33a2c}
.error{color:#b42318;font-size:.9rem;margin-top:4px}.notice{background:#fff4e5;border:1px solid #f5c98b;
padding:10px 12px;border-radius:6px;margin:12px 0}.ok{background:#e9f7ef;border-color:#9ad3b0}
.hp{position:absolute;left:-9999px}.tz{display:flex;gap:8px;align-items:center;margin-top:14px}
.tz select{width:auto;flex:1}.tz button{margin:0;padding:8px 12px}
</style></head><body><main>
{% block body %}{% endblock %}
</main></body></html>"""

STEPS = """<div class="steps">{% for n, label in [(1, 'Service'), (2, 'Date'), (3, 'Time'),
(4, 'Details'), (5, 'Done')] %}{% if n == step %}<b>{{ n }}. {{ label }}</b>{% else %}{{ n }}. {{
label }}{% endif %}{% if not loop.last %} &rsaquo; {% endif %}{% endfor %}</div>"""

SERVICES = """{% extends "base.html" %}{% block body %}
<h1>{{ calendar.name }}</h1><p class="muted">{{ calendar.description }}</p>
{% with step = 1 %}{% include "steps.html" %}{% endwith %}
<h2>Choose a service</h2>
{% for s in calendar.services %}
<a class="card" href="?service={{ s.id }}"><b>{{ s.name }}</b> <span class="muted">&middot;
{{ s.duration_minutes }} min{% if s.price_minor %} &middot; {{ '%.2f' % (s.price_minor / 100) }}
{{ s.currency }}{% endif %}</span><br><span class="muted">{{ s.description }}</span></a>
{% else %}<p class="notice">There is nothing to book here at the moment.</p>{% endfor %}
{% endblock %}"""

SLOTS = """{% extends "base.html" %}{% block body %}
<h1>{{ heading }}</h1><p class="muted">{{ calendar.description }}</p>
<p class="muted">{{ service.name }} &middot; {{ service.duration_minutes }} min{% if change_service and calendar.services|length > 1 %} &middot; <a href="?">change</a>{% endif %}</p>
{% with step = 3 if day else 2 %}{% include "steps.html" %}{% endwith %}
{% if message %}<p class="notice">{{ message }}</p>{% endif %}
<h2>Pick a date</h2>
<div class="days">{% for d, count in days %}{% if count %}<a href="{{ base }}&amp;tz={{ tz }}&amp;day={{ d.isoformat() }}"
class="{{ 'on' if d == day else '' }}">{{ d.strftime('%a') }}<br>{{ d.strftime('%d %b') }}</a>{% else
%}<span>{{ d.strftime('%a') }}<br>{{ d.strftime('%d %b') }}</span>{% endif %}{% endfor %}</div>
{% if day %}<h2>Times on {{ day.strftime('%A %d %B') }}</h2>
<div class="slots">{% for s in day_slots %}<a href="{{ base }}&amp;tz={{ tz }}&amp;day={{ day.isoformat() }}&amp;start={{ s.start_utc.strftime('%Y-%m-%dT%H:%M:%SZ') }}">{{ s.start.strftime('%H:%M') }}{% if s.start.fold %}*{% endif %}</a>{% endfor %}</div>
{% elif not any_slots %}<p class="notice">No free times in these two weeks.</p>{% endif %}
<p>{% if earlier %}<a href="{{ base }}&amp;tz={{ tz }}&amp;from={{ earlier }}">&larr; Earlier</a> &nbsp; {% endif %}
{% if later %}<a href="{{ base }}&amp;tz={{ tz }}&amp;from={{ later }}">Later &rarr;</a>{% endif %}</p>
<form class="tz" method="get" action="">{% for k, v in keep %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<label for="tz">Your time zone</label><select id="tz" name="tz">{% for z in zones %}<option{% if z == tz %} selected{% endif %}>{{ z }}</option>{% endfor %}</select>
<button class="primary" type="submit">Show</button></form>
{% if detect %}<script nonce="{{ nonce }}">(function(){try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;
if(z){var u=new URL(location.href);if(!u.searchParams.get('tz')){u.searchParams.set('tz',z);location.replace(u.toString());}}}catch(e){}})();</script>{% endif %}
{% endblock %}"""

DETAILS = """{% extends "base.html" %}{% block body %}
<h1>{{ heading }}</h1>
{% with step = 4 %}{% include "steps.html" %}{% endwith %}
<p class="card"><b>{{ service.name }}</b><br>{{ when }}</p>
{% if message %}<p class="notice">{{ message }}</p>{% endif %}
<form method="post" action="{{ action }}" novalidate>
<input type="hidden" name="token" value="{{ token }}"><input type="hidden" name="service" value="{{ service.id }}">
<input type="hidden" name="tz" value="{{ tz }}"><input type="hidden" name="start" value="{{ start }}">
{% if ask_details %}
<label for="name">Name</label><input id="name" name="name" value="{{ values.name }}" required maxlength="200" autocomplete="name">
{% if errors.name %}<div class="error">{{ errors.name }}</div>{% endif %}
<label for="email">Email</label><input id="email" name="email" type="email" value="{{ values.email }}" maxlength="254" autocomplete="email">
{% if errors.email %}<div class="error">{{ errors.email }}</div>{% endif %}
<label for="phone">Phone</label><input id="phone" name="phone" type="tel" value="{{ values.phone }}" maxlength="30" autocomplete="tel">
{% if errors.phone %}<div class="error">{{ errors.phone }}</div>{% endif %}
<div class="hp" aria-hidden="true"><label for="website">Website</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
{% endif %}
<button class="primary" type="submit">{{ submit }}</button>
</form>
<p><a href="{{ back }}">&larr; Pick another time</a></p>
{% endblock %}"""

DONE = """{% extends "base.html" %}{% block body %}
<h1>{{ title }}</h1>
{% if step %}{% include "steps.html" %}{% endif %}
<p class="notice ok">{{ text }}</p>
{% if appointment %}<p class="card"><b>{{ appointment.service.name if appointment.service else '' }}</b>
with {{ appointment.calendar.name }}<br>{{ when }}</p>{% endif %}
{% if links %}<p><a href="{{ links.reschedule }}">Reschedule</a> &nbsp;&middot;&nbsp; <a href="{{ links.cancel }}">Cancel</a></p>{% endif %}
{% endblock %}"""

CANCEL = """{% extends "base.html" %}{% block body %}
<h1>Cancel your appointment</h1>
<p class="card"><b>{{ appointment.service.name if appointment.service else '' }}</b> with
{{ appointment.calendar.name }}<br>{{ when }}</p>
<form method="post" action=""><input type="hidden" name="token" value="{{ token }}">
<label for="reason">Reason (optional)</label><textarea id="reason" name="reason" rows="3" maxlength="1000"></textarea>
<button class="primary danger" type="submit">Cancel appointment</button></form>
{% endblock %}"""


@cache
def environment() -> Environment:
    return Environment(
        loader=DictLoader({
            "base.html": BASE, "steps.html": STEPS, "services.html": SERVICES,
            "slots.html": SLOTS, "details.html": DETAILS, "done.html": DONE,
            "cancel.html": CANCEL,
        }),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )  # fmt: skip
