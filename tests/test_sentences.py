"""Sentences put one after another (`handlers.replies.sentences`): a translation may end on a
date or a name without a stop (so as not to write «г..»); the next sentence still starts after
one."""

from __future__ import annotations

from handlers.replies import sentences


def test_a_sentence_without_its_stop_gets_one_before_the_next() -> None:
    assert sentences("Нерабочий день: 7 декабря 2026 г. (понедельник)", "Введите дату.") == (
        "Нерабочий день: 7 декабря 2026 г. (понедельник). Введите дату."
    )


def test_a_sentence_with_its_stop_is_left_as_it_is() -> None:
    assert sentences("до 7 декабря 2026 г.", "⚠️ Этот день прошёл.") == (
        "до 7 декабря 2026 г. ⚠️ Этот день прошёл."
    )
    assert sentences("Бұл күн өтті!", "", "Қайта жазыңыз.") == "Бұл күн өтті! Қайта жазыңыз."
    assert sentences("Срок:", "12.05.2027") == "Срок: 12.05.2027"
