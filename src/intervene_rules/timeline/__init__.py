"""Incident timelines: the duty over time, per observer (the trainers' and reviewers' view).

`Timeline` (the YAML format, validated with located errors) → `Timeline.evaluate(ruleset)`
→ `TimelineResult`: per observer and acting officer, the situation and the decision after
each event and at each moment a derived fact changes (the force's duration crossing a
threshold of the ruleset), with the moment each duty arises and escalates marked.
"""

from intervene_rules.timeline.model import Event, Officer, Timeline, load_timeline
from intervene_rules.timeline.run import Line, Moment, TimelineResult

__all__ = ["Event", "Line", "Moment", "Officer", "Timeline", "TimelineResult", "load_timeline"]
