"""Line shapes the text-mode cleaner recognises, kept as data: chrome phrases, credits, dates.

Each table is ``(reason, pattern)`` rows matched against one stripped line. Add a row here,
not a branch in :mod:`search.cleaner.text`, when a new kind of site chrome turns up.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Whole lines that are site chrome wherever they stand.
CHROME_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, _I))
    for reason, pattern in (
        ("browser-notice",
         r"^(IE ?11|Internet Explorer|your browser) is (not|no longer) supported"),
        ("browser-notice", r"(enable|turn on) javascript|update your browser"),
        ("paywall", r"reached your (limit|maximum)|free articles? (left|remaining|this month)"),
        ("paywall",
         r"^(subscribe|sign up|register) (now|today)?\s*(to|for) (read|continue|unlimited|full)"),
        ("paywall", r"^already (a )?(subscribed|subscriber|member|have an account)\??"),
        ("paywall", r"renews automatically|cancel any ?time|digital subscription"),
        ("promo", r"^download (the|our) .{1,40}\bapp\b"),
        ("promo", r"^(get|try) (the|our) .{1,40} app\b|^available on the app store"),
        ("newsletter",
         r"^(newsletters?|sign up for (our|the) .{0,40}newsletter.*|subscribe to (our|"
         r"the) .{0,60})$"),
        ("newsletter", r"(delivered|straight|right) (to|in|into) your inbox|^enter your e-?mail|"
                       r"subscribe to .{0,40}newsletters?\b"),
        ("related", r"^(related|related (articles|stories|posts|content|news|coverage|topics)|"
                    r"more from .{1,40}|"
                    r"more (stories|news|articles)|read more|recommended( for you)?|most (read|"
                    r"popular|viewed)|"
                    r"trending( now)?|you (may|might) (also )?like|latest (news|stories)|"
                    r"top stories|"
                    r"what to read next|see also|also read|read next|popular)\s*:?$"),
        ("share", r"^(share|share this( article| story)?|tweet|email|print|copy link|share on \w+|"
                  r"follow us|like us on facebook|comments?|\d+ comments?|leave a (comment|"
                  r"reply))\s*:?$"),
        ("share",
         r"^share (this|your thoughts)|^click (here )?to (share|email|print|tweet)|"
         r"\(opens in new window\)"),
        ("comments", r"^(view|show|hide|load|post a|add a|read) comments?\b|comments powered by|"
                     r"^(tags|filed under)\s*:"),
        ("residue", r"^(close|×|✕|x|menu|search|skip to (main )?content|advertisement|ad|sponsored|"
                    r"loading\.*|play|pause|mute|watch|listen|\d{1,2}:\d{2}(:\d{2})?|back to top|"
                    r"next|previous|"
                    r"home|sign in|log ?in|log ?out|register|subscribe|open in app)\s*$"),
        ("navigation", r"^(about us|contact us|privacy( policy)?|terms (of (use|service)|"
                       r"& conditions)|"
                       r"cookie (policy|settings)|sitemap|careers|advertise( with us)?|"
                       r"rss( feed)?)\s*$"),
        ("cookie",
         r"\bwe use cookies\b|\bcookies? (policy|settings|preferences)\b|accept (all )?cookies"),
        ("copyright", r"^(©|\(c\)|copyright\b)|all rights reserved|may not be (re)?produced|"
                      r"^community (rules|standards)"),
        ("byline-residue", r"^(by|disclaimer|advertisement\s+skip advertisement)\s*:?$"),
        ("disclaimer",
         r"^disclaimer:|journalist was involved in creation|auto-generated from a syndicated feed"),
        ("bio", r"^.{0,60} is (a|an|the) .{0,40}(editor|reporter|correspondent|writer|journalist|"
                r"columnist|"
                r"contributor)\b.*"),
        ("contact", r"follow (him|her|them|us) on (twitter|x|facebook|instagram)|may be reached at|"
                    r"^have a (news )?tip\?"),
        ("caption",
         r"^(image|photo|photograph|picture|caption|credit|photo credit|file photo)\s*:"),
    )
)

# Reasons that mark chrome only outside the article's core: inside it, such a line may be prose
# ("X is the editor of …" can be a sentence of the story; at the foot it is an author bio).
EDGE_ONLY_REASONS: tuple[str, ...] = ("bio",)

# A line that opens a block of chrome running to the end of the document (the reason it carries);
# a paywall, once opened, runs to the end whatever its plan list mentions.
STICKY_SECTION = "paywall"
SECTION_OPENERS: tuple[str, ...] = ("paywall", "related", "newsletter", "share")

# Photo credits glued to or ending a caption: "…this week.MCSN Jason Waite / AFP - Getty Images",
# "… on Oct. 9.U.S. Army / AP", "… April 18.Tasnim News Agency / Reuters file".
CAPTION_CREDIT = re.compile(
    r"(\s/\s[A-Z][\w&.'\- ]{1,40}$)|((Getty Images|Shutterstock|AFP|EPA|Reuters|"
    r"AP)( file)?( photo)?\)?$)"
    r"|(\((photo|image|credit)[^)]*\)$)",
)

# Agency and reporting credits, kept with the article.
CREDIT_LINE = re.compile(
    r"^\(?((additional )?reporting|writing|editing|compiled|edited|produced) by\b"
    r"|\b(contributed( to)?( this)?( report| story)?|contributed reporting)\.?\)?$",
    _I,
)

# A wire story's closing sign-off, a line of its own: "Reuter" (the 1987 wire), "REUTER", "- AFP".
SIGN_OFF = re.compile(r"^(?:[-–—]{1,2}\s*)?"
                      r"(?:Reuters?|REUTERS?|AFP|AP|dpa|Xinhua|UPI|PTI|ANI|IANS|EFE|ANSA)\.?$")

# "BAGHDAD – …", "WASHINGTON (Reuters) - …", "LONDON, May 3 (AP) — …".
DATELINE = re.compile(r"^[A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+)*(?:,[^–—\-]{1,30})?(?: \([A-Za-z "
                      r"]+\))?\s*[–—\-]\s+\S")

# "By Jane Doe", "Author: Dave DeCamp", "Written by A and B".
BYLINE = re.compile(
    r"^(?i:by|author:|written by|words by|reporter:|posted by)\s*"
    r"(?P<name>[A-Z][\w.'\-]*(?:\s+(?:[A-Z][\w.'\-]*|and|&|,|de|van|von|al-\w+))*)\s*$",
)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
# The date forms a date line or dateline states: ISO, "May 3, 2019", "3 May 2019", "2019/05/03".
DATE_PATTERN = re.compile(
    rf"(?P<date>\d{{4}}-\d{{2}}-\d{{2}}(?:[T "
    rf"]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{4}}/\d{{2}}/\d{{2}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})",
    _I,
)
# A line that is only a date (a site banner or a list timestamp), possibly with a weekday and time.
BARE_DATE = re.compile(rf"^(?:{_WEEKDAY})?{DATE_PATTERN.pattern}"
                       r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?.*)?$", _I)
# A line that announces the publication date: "Published: 3 May 2019", " date 2020-01-01
# advertisement".
DATE_LINE = re.compile(r"^(?:date|dated|published|posted|updated|first published|last updated|"
                       r"publication date)\b", _I)
