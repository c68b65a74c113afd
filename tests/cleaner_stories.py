"""Hand-written stories of one local outlet, shared by the cleaner's tests of collection-level
boilerplate (tests/test_cleaner_text.py, tests/test_cleaner_collection.py): a title and three
paragraphs each."""

from __future__ import annotations

STORIES = [
    ("Harbour strike halts grain exports",
     "Dock workers walked out on Friday over pay and the port stopped loading grain at once.",
     "The union said the strike would last until the owners made a better offer to all of the "
     "crews.",
     "Owners said they would meet the union on Monday to talk about pay and the night shifts."),
    ("Council approves new cycle lanes",
     "The council voted on Tuesday to build cycle lanes on both banks of the river this year.",
     "Work starts in spring and should be finished before the summer ferry timetable begins again.",
     "Shop owners on the east bank said they feared losing the parking spaces outside their "
     "doors."),
    ("Ferry fares rise for the first time in a decade",
     "Ferry fares across the estuary will rise by a tenth in April, the operator said on "
     "Wednesday.",
     "The operator blamed the price of fuel and said the winter timetable would stay as it is now.",
     "Passengers who travel every day can still buy a season ticket at last year's price until "
     "March."),
]
