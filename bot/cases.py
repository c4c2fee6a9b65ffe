"""Case forms of dynamic words inside catalog texts: the text chooses the case, the code passes
the word. "{center:dat} hansı gün gəlmək istəyirsiniz?" with ``center=Word("1 saylı Bakı DOST
Mərkəzi")`` gives "1 saylı Bakı DOST Mərkəzinə hansı gün …"; a plain "{center}" stays as it is.

The suffixes and their vowel harmony come from nlu.morphology (names, numbers and acronyms by
how they are read: "Şuşa filialına", "DOST-a", "5-ə", "11:00-də").
"""

from __future__ import annotations

from collections.abc import Callable

from nlu.morphology import ablative, accusative, dative, genitive, locative

CASES: dict[str, Callable[[str], str]] = {
    "dat": dative,  # -a/-ə: hara? "Mərkəzinə gəlmək"
    "loc": locative,  # -da/-də: harada? "Mərkəzində qəbul"
    "abl": ablative,  # -dan/-dən: haradan?
    "gen": genitive,  # -ın/-in/-un/-ün: kimin? nəyin?
    "acc": accusative,  # -ı/-i/-u/-ü: kimi? nəyi?
}


class Word(str):
    """A word or name that takes the case its catalog placeholder names: {center:loc}."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        try:
            return CASES[spec](str(self))
        except KeyError:
            raise ValueError(f"unknown case {spec!r}; one of {', '.join(CASES)}") from None
