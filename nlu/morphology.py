"""Case suffixes with vowel harmony for dynamic words in user-facing text.

``locative("Xəzər")`` → "Xəzərdə", ``dative("Şuşa")`` → "Şuşaya",
``locative("1 saylı Bakı DOST Mərkəzi")`` → "1 saylı Bakı DOST Mərkəzində", ``locative("DOST")``
→ "DOST-da", ``locative("5")`` → "5-də", ``dative("11:00")`` → "11:00-ə".

Harmony follows the last vowel of the last word as it is *said*: numbers by their Azerbaijani
reading (2026 → "...altı" → "2026-da"), acronyms as a word when pronounceable (DOST → "DOST-da")
or letter by letter otherwise (ÜDSY → "...yə" → "ÜDSY-yə"). Numbers and acronyms take a hyphen.
A multi-word phrase whose last word ends in ı/i/u/ü is an izafet compound ("Yasamal rayonu")
and takes the pronominal -n- ("rayonunda"); pass ``compound=`` to override that guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.normalize import az_lower, az_upper

__all__ = ["ablative", "accusative", "dative", "genitive", "locative"]

_BACK = "aıou"
_FRONT = "eəiöü"
_VOWELS = _BACK + _FRONT
_CLOSE_VOWELS = "ıiuü"  # the 3rd-person possessive ending of an izafet compound

# How a number's last spoken word ends: units, then tens, then the powers.
_UNITS = ("", "bir", "iki", "üç", "dörd", "beş", "altı", "yeddi", "səkkiz", "doqquz")
_TENS = ("", "on", "iyirmi", "otuz", "qırx", "əlli", "altmış", "yetmiş", "səksən", "doxsan")
_POWERS = ((1000, "min"), (10**6, "milyon"), (10**9, "milyard"))

# Letter names, for acronyms read letter by letter (BMT → "bə-em-tə").
_LETTER_NAMES = {
    "a": "a", "b": "bə", "c": "cə", "ç": "çə", "d": "də", "e": "e", "ə": "ə", "f": "fə",
    "g": "gə", "ğ": "ğə", "h": "hə", "x": "xə", "ı": "ı", "i": "i", "j": "jə", "k": "ka",
    "q": "qə", "l": "el", "m": "em", "n": "en", "o": "o", "ö": "ö", "p": "pə", "r": "er",
    "s": "es", "ş": "şə", "t": "tə", "u": "u", "ü": "ü", "v": "və", "y": "yə", "z": "zə",
    "w": "dubl-ve",
}  # fmt: skip


def _number_word(n: int) -> str:
    """The last word of the Azerbaijani reading of ``n``."""
    if n == 0:
        return "sıfır"
    if n % 10:
        return _UNITS[n % 10]
    if n % 100:
        return _TENS[n % 100 // 10]
    if n % 1000:
        return "yüz"
    for power, word in _POWERS:  # 2000 → "iki min", 3_000_000 → "üç milyon"
        if n % (power * 1000):
            return word
    return "trilyon"


def _is_pronounceable(word: str) -> bool:
    """An acronym is read as a word (DOST, ASAN, AMEA) if it has a vowel and no long clusters."""
    run = longest = 0
    for ch in word:
        run = 0 if ch in _VOWELS else run + 1
        longest = max(longest, run)
    return longest < len(word) and longest <= 2


# Suffix templates: A is a/ə, I is ı/i/u/ü. Columns: after a consonant, after a vowel
# (buffer y/n: Şuşa-y-a, Bakı-n-ın), in an izafet compound (pronominal n: rayonu-n-da).
_SUFFIXES = {
    "loc": ("dA", "dA", "ndA"),
    "abl": ("dAn", "dAn", "ndAn"),
    "dat": ("A", "yA", "nA"),
    "gen": ("In", "nIn", "nIn"),
    "acc": ("I", "nI", "nI"),
}


@dataclass(frozen=True, slots=True)
class _Reading:
    sound: str  # how the last word ends when said, lowercase
    hyphen: bool  # numbers and acronyms: "5-də", "DOST-da"
    upper: bool  # the phrase is written in capitals: suffix in capitals too


def _split_trailing_number(word: str) -> str:
    """The number a word ends in, as said: a time on the hour is read by its hour
    ("11:00" → "on bir"), any other time by its minutes ("10:30" → "otuz")."""
    hours, colon, minutes = word.rpartition(":")
    if colon and minutes == "00" and hours[-2:].isdecimal():
        return _split_trailing_number(hours)
    digits = ""
    for ch in reversed(word):
        if not ch.isdecimal():
            break
        digits = ch + digits
    return digits


def _reading(phrase: str) -> _Reading:
    words = phrase.split()
    last = words[-1]
    letters = "".join(ch for ch in last if ch.isalpha())
    digits = _split_trailing_number(last)
    if digits:
        return _Reading(_number_word(int(digits)), hyphen=True, upper=False)
    lowered = az_lower(letters)
    has_lower = any(ch.isalpha() and ch != az_upper(ch) for ch in phrase)
    all_caps = len(letters) > 1 and letters == az_upper(letters)
    if all_caps and (has_lower or len(words) == 1):  # an acronym among ordinary words
        if _is_pronounceable(lowered):
            return _Reading(lowered, hyphen=True, upper=False)
        spelled = "".join(_LETTER_NAMES.get(ch, ch) for ch in lowered)
        return _Reading(spelled, hyphen=True, upper=False)
    if not any(ch in _VOWELS for ch in lowered):  # "km": read the letters
        spelled = "".join(_LETTER_NAMES.get(ch, ch) for ch in lowered)
        return _Reading(spelled, hyphen=bool(lowered), upper=False)
    return _Reading(lowered, hyphen=False, upper=all_caps and not has_lower)


def _last_vowel(sound: str) -> str:
    return next((ch for ch in reversed(sound) if ch in _VOWELS), "ə")


def _two_way(sound: str) -> str:  # a / ə
    return "a" if _last_vowel(sound) in _BACK else "ə"


def _four_way(sound: str) -> str:  # ı / i / u / ü
    vowel = _last_vowel(sound)
    return {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "ə": "i", "i": "i"}.get(vowel, "ü")


def _attach(phrase: str, case: str, compound: bool | None) -> str:
    stripped = phrase.rstrip()
    if not any(ch.isalnum() for ch in stripped):
        return phrase
    reading = _reading(stripped)
    sound = reading.sound
    ends_in_vowel = sound[-1:] in _VOWELS
    if compound is None:
        compound = len(stripped.split()) > 1 and not reading.hyphen and sound[-1:] in _CLOSE_VOWELS
    column = 2 if compound else 1 if ends_in_vowel else 0
    template = _SUFFIXES[case][column]
    suffix = template.replace("A", _two_way(sound)).replace("I", _four_way(sound))
    if reading.upper:
        suffix = az_upper(suffix)
    return stripped + ("-" if reading.hyphen else "") + suffix


def locative(phrase: str, *, compound: bool | None = None) -> str:
    """-da/-də: "Xəzərdə", "Yasamal rayonunda", "DOST-da", "5-də"."""
    return _attach(phrase, "loc", compound)


def ablative(phrase: str, *, compound: bool | None = None) -> str:
    """-dan/-dən: "Bərdədən", "Mərkəzindən", "10-dan"."""
    return _attach(phrase, "abl", compound)


def dative(phrase: str, *, compound: bool | None = None) -> str:
    """-a/-ə, -ya/-yə after a vowel: "Abşerona", "Şuşaya", "Mərkəzinə", "10-a"."""
    return _attach(phrase, "dat", compound)


def genitive(phrase: str, *, compound: bool | None = None) -> str:
    """-ın/-in/-un/-ün, -nın/... after a vowel: "Xəzərin", "Bakının", "DOST-un"."""
    return _attach(phrase, "gen", compound)


def accusative(phrase: str, *, compound: bool | None = None) -> str:
    """-ı/-i/-u/-ü, -nı/... after a vowel: "Xəzəri", "Bakını", "rayonunu"."""
    return _attach(phrase, "acc", compound)
