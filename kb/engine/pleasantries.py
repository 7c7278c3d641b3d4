"""What a message holds besides its question: the courtesy around it (greetings before it, thanks
and a signature after it), and the sender's particulars (email addresses, links, order and phone
numbers).

People write to a search box or a ticket form as to a person: "Good morning team, …", "… Thanks in
advance! Best regards, Maria Gonzalez". None of it says what the message is about, yet its words
count: "morning", "regards" and "team" match articles, and a signature's name is a word the content
does not know, which makes the question look half answered. Measured on the labeled questions of
six words or more, a greeting or a signature around each one cut the share answered from 0.92 to
between 0.34 and 0.86 (docs/relevance.md). They are taken off before the question is analysed
and embedded; the channel is still chosen from the whole message, and did_you_mean quotes it.

Only courtesy where it stands is taken: a greeting at the start (or, capitalised and closed by a
comma, after a ticket's subject), thanks and a signature at the end, each after a sentence's end or
a line break (or a comma before a name). "which plan is best for agencies" keeps its "best";
"Best way to export?" at the start is a question, not a signature.

Particulars say whose case it is, not what it is about: "maria.gonzalez@example.com" searched is
"maria", "gonzalez", "example" and "com", and a link is its host's and path's words. A link, an
email address, a number of five digits or more ("48213", "100-2231-88", "+44 20 7946 0958") and
a number after "#" are taken out wherever they stand; "404 page", "GA4", "2fa", "windows 10" and
"january 2 2006" keep theirs.
"""

from __future__ import annotations

import re

# A greeting that opens a message ("Quick question:" too), with whom it greets when a comma, "!",
# "." or line closes it: a word for everyone ("there", "team", "Acme support"), or one capitalised
# word (a name); after "dear", anything up to the comma ("Dear Sir or Madam,"). A greeting with no
# closing mark loses only itself ("hi I can't log in").
_HELLO = r"(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day))"
_GREETING = re.compile(
    rf"^\s*(?:{_HELLO}"
    r"(?:\s+(?:there|all|everyone|folks|guys|team|support|people|friends?|"
    r"(?:[\w'’-]+\s+){0,2}(?:team|support|staff|folks)|(?-i:[A-Z][\w'’-]*)))?"
    r"\s*(?:[,!.:;\n-]+|$)\s*"
    r"|dear\s+[^,!.:;\n]{1,40}[,!:;\n]\s*"
    # an opener that announces the question, closed by a mark: "Quick question: …"
    r"|(?:(?:i\s+have\s+)?(?:a\s+)?(?:quick|short|small|simple)\s+)?question\s*[:,\-–—]\s*"
    rf"|{_HELLO}\s+(?=\w))",
    re.I,
)
# A greeting further in, as when a ticket's subject comes first ("Parcel missing Hi team, my
# parcel …"): written capitalised and closed by a comma or "!", after a space.
_GREETING_WITHIN = re.compile(
    r"(?<=\s)(?-i:Hi|Hello|Hey|Dear|Good\s+(?:morning|afternoon|evening))"
    r"(?:\s+(?:there|all|everyone|folks|team|support|(?-i:[A-Z][\w'’-]*)|"
    r"(?:[\w'’-]+\s+){0,2}(?:team|support|staff)))?\s*[,!]\s*"
)
# Thanks that close a message: a sentence of nothing else.
_THANKS = (
    r"(?:(?:many|big)\s+)?(?:thanks|thank\s+you|thx|ty|cheers)(?:\s+(?:so|very)\s+much)?"
    r"(?:\s+(?:a\s+lot|in\s+advance|for\s+(?:your|any)\s+(?:help|time|support|assistance)))?"
    r"|(?:any\s+)?help\s+(?:is|would\s+be)\s+(?:much\s+|greatly\s+|very\s+much\s+)?appreciated"
    r"|(?:i\s+)?(?:appreciate|appreciated)\s+(?:your|any)\s+(?:help|time|support)"
)
# The words that sign a message off; the first ones also alone at its end ("… Regards").
_CLOSING = r"(?:(?:best|kind|warm|many)\s+)?regards|best\s+wishes|all\s+the\s+best|sincerely"
_VALEDICTION = rf"{_CLOSING}|yours(?:\s+(?:truly|sincerely|faithfully))?|best|br"
# A name signing off: a few words, each a name's shape ("Maria", "O'Neil", "Acme Ltd", "from").
_NAME = r"(?:[\w'’.&()#:/-]+)(?:\s+[\w'’.&()#:/-]+){0,5}"
_SIGN_OFF = re.compile(
    # after a sentence's end, a line break or a comma, or as a capitalised word after a space
    # ("… my order Many thanks, Priya"), or thanks alone ending the message ("… my order thx");
    # then thanks and/or a valediction, then at most a name, to the end of the message
    r"(?:(?<=[.!?\n,;])|(?<=[.!?\n,;]\s)|(?<=[.!?\n,;]\s\s)|(?<=\s)(?=(?-i:[A-Z]))"
    rf"|(?<=\s)(?=(?:{_THANKS})\s*[.!]*\s*$))\s*"
    rf"(?:(?:{_THANKS})\s*[.!,]*\s*)?"
    rf"(?:(?:{_VALEDICTION})\s*[,.!\n-]\s*{_NAME}|(?:{_CLOSING})\s*"
    # thanks then a name: set off by a mark ("Thanks, Anna") or capitalised ("Thanks Anna"), not
    # "thanks to cloudflare"
    rf"|(?:{_THANKS})(?:\s*[.!,]+\s*{_NAME}|\s+(?-i:[A-Z]){_NAME})?)\s*[.!,;]*\s*$",
    re.I,
)


_PARTICULAR = (
    # an email address (from the start of its run of characters: tried from inside one, "aaaa…"
    # would be read to its end at every letter)
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:https?://|www\.)\S+"  # a link
    r"|#\s?\w*\d[\w-]*"  # "#48213", "# A-1187"
    # five digits or more, hyphens between them (an order number: "100-2231-88"), or after a "+"
    # with spaces too (a phone number); not "january 2 2006"
    r"|(?<![\w.])(?:\d(?:-?\d){4,}|\+\d(?:[ -]?\d){6,})(?![\w.])"
)
# with what introduces a contact detail, when it says so: "my email is …", "site: …" ("order" in
# "order number: …" may be what the message is about, and stays)
_PARTICULARS = re.compile(
    r"(?:(?:(?:my|our|the)\s+)?(?:e-?mail(?:\s+address)?|(?:web)?site|url|link|"
    r"(?:phone|mobile|tel)(?:\s+number)?)\s*(?:is|was|:|=)\s*)?"
    rf"(?:{_PARTICULAR})",
    re.I,
)


def without_particulars(text: str) -> str:
    """The message without the links, email addresses and order or phone numbers in it; the
    message itself when nothing else would be left."""
    rest = " ".join(_PARTICULARS.sub(" ", text).split())
    return rest if rest else text


def without_pleasantries(text: str) -> str:
    """The message without the greetings that open it and the thanks and signature that close
    it; the message itself when nothing else would be left."""
    rest = text
    while True:
        m = _GREETING.match(rest)
        if not m or not m.end():
            break
        rest = rest[m.end() :]
    rest = _GREETING_WITHIN.sub(" ", rest)
    m = _SIGN_OFF.search(rest)
    if m and m.start() > 0:
        rest = rest[: m.start()]
    rest = " ".join(rest.split())
    return rest if rest else text


def without_asides(text: str) -> str:
    """The message without its particulars, then without its courtesy (a signature may end with
    an email address); the message itself when nothing else would be left."""
    return without_pleasantries(without_particulars(text))
