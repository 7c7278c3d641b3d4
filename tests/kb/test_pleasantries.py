"""Greetings, thanks and signatures around a question are not searched."""

from __future__ import annotations

import pytest

from kb.engine.pleasantries import without_particulars, without_pleasantries

STRIPPED = [
    ("Good morning team, my card was declined", "my card was declined"),
    ("Hi Anna, my card was declined", "my card was declined"),
    ("Dear Sir or Madam, I want to cancel my order", "I want to cancel my order"),
    ("hi I can't log in", "I can't log in"),
    ("hi there, where is my parcel? thx", "where is my parcel?"),
    ("Hey Acme team! How do I add a goal? Thanks!", "How do I add a goal?"),
    ("my card was declined\n\nBest regards,\nMaria Gonzalez", "my card was declined"),
    ("How do I cancel? Thank you so much for your help, Anna", "How do I cancel?"),
    ("How do I add a goal? Any help would be appreciated.", "How do I add a goal?"),
    ("my order is late Many thanks, Priya from Acme Ltd", "my order is late"),
    ("refund? Thank you for your time. Regards, Olu Adeyemi (account 5521)", "refund?"),
    ("How do I cancel? Regards", "How do I cancel?"),
    ("Hi team, quick question - can I pay yearly?", "can I pay yearly?"),
    ("I have a quick question, where are invoices", "where are invoices"),
]
KEPT = [
    "which plan is best for agencies",  # "best" inside the question
    "Best way to export data?",  # a question that starts like a signature
    "I need help. Best way to export?",  # "Best" with no mark and more than a name after it
    "my stats doubled, thanks to cloudflare",  # thanks for something, not a sign-off
    "How to add a thank you page goal",
    "hello",  # nothing else: searched as written
    "do you support BR",
    "question about refunds",  # no mark after it: the question's own word
    "security question reset",
]


@pytest.mark.parametrize(("message", "question"), STRIPPED)
def test_courtesy_around_a_question_is_taken_off(message: str, question: str) -> None:
    assert without_pleasantries(message) == question


@pytest.mark.parametrize("message", KEPT)
def test_a_question_that_only_looks_courteous_is_kept(message: str) -> None:
    assert without_pleasantries(message) == message


PARTICULARS = [
    ("refund please, my email is maria.gonzalez@example.com", "refund please,"),
    ("goals not showing Site: https://www.example-shop.com/pricing", "goals not showing"),
    ("parcel late (order #48213)", "parcel late (order )"),
    ("Order 100-2231-88: parcel late", "Order : parcel late"),
    ("call me back on +44 20 7946 0958 please", "call me back on please"),
]
NOT_PARTICULARS = [
    "404 page not tracked",
    "GA4 import",
    "2fa lost phone",
    "windows 10 shows as windows 11",
    "show date like january 2 2006",
    "127.0.0.1 traffic",
    "maria.gonzalez@example.com",  # nothing else: searched as written
]


@pytest.mark.parametrize(("message", "question"), PARTICULARS)
def test_links_addresses_and_numbers_are_taken_out(message: str, question: str) -> None:
    assert without_particulars(message) == question


@pytest.mark.parametrize("message", NOT_PARTICULARS)
def test_numbers_that_name_things_are_kept(message: str) -> None:
    assert without_particulars(message) == message


def test_a_greeting_after_a_tickets_subject_is_taken_off() -> None:
    """/deflect searches a ticket's subject and body as one message: the body's greeting then
    stands after the subject, capitalised and closed by a comma."""
    message = "Parcel missing Hi team, my parcel has not arrived. Thanks, Maria"
    assert without_pleasantries(message) == "Parcel missing my parcel has not arrived."
    assert without_pleasantries("the Hello World example fails") == "the Hello World example fails"
