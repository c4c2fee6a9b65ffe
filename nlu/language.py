"""Which language a message is in: Azerbaijani or Russian, each typed in Cyrillic or Latin.

Language detectors on PyPI either download a model, know no Azerbaijani, or cannot read
Russian typed in Latin letters ("kakie dokumenty nuzhny") and Azerbaijani typed in Cyrillic
(the 1958-1991 alphabet, "Сәнәдләр һансылардыр"). Short chat messages are decided here by a
few plain signals, counted per word:

- letters only one language has: ә ғ ҹ ө ү һ ј ҝ (Azerbaijani Cyrillic) and ə ğ ı ş ç ö ü
  (Azerbaijani Latin) against щ ъ ь ю я ё ц й э (Russian);
- common words of each language, in Cyrillic and as typed in Latin letters.

The language with more such words wins. Cyrillic with no signal at all is taken as Russian
(few write Azerbaijani in Cyrillic today, and those who do use its own letters); Latin with no
signal ("ok", "10:30", a service's name) is undecided: the conversation keeps its language.

No import from the rest of nlu: nlu.normalize asks this module which table transliterates a
text's Cyrillic.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

__all__ = ["Language", "cyrillic_language", "detect_language", "has_cyrillic"]

Language = Literal["az", "ru"]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_AZ_CYRILLIC = frozenset("әғҹөүһјҝ")
_AZ_LATIN = frozenset("əğışçöüƏĞİŞÇÖÜ")  # the capitals: "İ".lower() is "i" + a dot
_RU_ONLY = frozenset("щъьюяёцйэ")

# Russian words people ask DOST questions with, in Cyrillic. None of them is an Azerbaijani
# word in Cyrillic ("о", "да", "не" are: he, also, what; they count for neither).
_RU_CYRILLIC = _wordset(
    """
    и в во на по для при про от из без над под за с со к ко у а но или ли же бы
    я мне меня мой моя мое мои вы вас вам ваш ваша он они его ее их мы нас нам
    что как какой какая какое какие каких каким где куда когда сколько почему зачем кто
    можно нужно нужны нужен нужна надо есть нет это этот эта эти если чтобы уже только еще
    хочу могу можете скажите подскажите помогите пожалуйста здравствуйте привет спасибо
    пока благодарю свидания добрый доброе утро вечер день
    документы документов документ справка справку бумаги паспорт
    стоит стоимость платно платная платный бесплатно бесплатная оплата цена
    подать получить оформить заявление заявку обратиться подача куда
    записаться запись записать очередь очереди прием приема отменить перенести
    срок сроки долго дней время работает работаете часы
    услуга услуги услугу программа программы помощь пособие выплата выплаты
    сотрудник оператор человек человеком поговорить связаться
    центр центре центра онлайн интернет электронно почтой
    кому право условия требования отказ отказали причины закон основание
    результат сумма размер деньги получу получает
"""
)

# The same kind of words as Russians type them in Latin letters ("mozhno"/"mojno").
_RU_LATIN = _wordset(
    """
    v na po dlya dlia pri pro ot bez za s so k u i ili li zhe by
    mne menya moy moi moya vy vas vam vash oni ego ee ikh ih nas nam
    chto shto chto-to kak kakoy kakoi kakaya kakoe kakie kakih kakikh gde kuda kogda
    skolko skolka pochemu zachem kto mozhno mojno nuzhno nujno nuzhny nujny nuzhen nujen
    nuzhna nujna nado est net eto etot eta eti esli chtoby uzhe tolko eshe eshche
    khochu hochu mogu mozhete skazhite podskazhite pomogite pozhaluysta pozhaluista pojaluysta
    pojalusta zdravstvuyte zdravstvuite zdravstvujte zdrastvuyte zdrasti privet spasibo poka
    dobryy dobriy dobroe utro vecher
    dokumenty dokumenti dokumentov dokument spravka spravku bumagi
    stoit stoimost platno platnaya platnyy besplatno besplatnaya oplata tsena cena
    podat poluchit oformit zayavlenie zayavleniye zayavku obratitsya obratitsa podacha
    zapisatsya zapisatsa zapisatca zapisat zapis ochered ocheredi ochered' priem priyom
    otmenit perenesti srok sroki dolgo dney vremya rabotaet rabotaete chasy
    usluga uslugi uslugu programma programmy pomoshch pomosh pomosch posobie
    vyplata vyplaty sotrudnik sotrudnikom operatorom chelovek chelovekom pogovorit
    svyazatsya tsentr tsentre elektronno pochtoy
    komu pravo usloviya trebovaniya otkaz otkazali prichiny zakon osnovanie
    rezultat summa razmer dengi poluchu samozanyatost samozanyatosti
"""
)

# Azerbaijani words without letters of their own, in Cyrillic: typed on a Russian keyboard
# ("э"/"е" for ә, "у" for ү, "ч" for ҹ) or in the old alphabet.
_AZ_CYRILLIC_WORDS = _wordset(
    """
    салам бу ки вар олар учун үчун нэ нечэ нече нечә мэн мен мэнэ мене сиз сизин бизим
    вэ ве илэ иле хахиш хаһиш саг сағ олун тэшэккур тешеккур лазымдыр лазимдир лазым
    истэйирэм истейирем едирэм едирем нэдир недир харада хансы хансы сэнэд сенед
    сэнэдлэр сенедлер мураҹиэт мурачиет мурачиэт пуллудур пулсуз нөвбэ новбе
    ахшам сабаһ сабах хејр хеир бэли бели јох йох
"""
)

# Azerbaijani words as typed without its letters (their ASCII form), so "ucun" and "hansi"
# count as Azerbaijani; a word typed with its letters counts through _AZ_LATIN already.
_AZ_ASCII = _wordset(
    """
    salam salamlar ucun hansi hansilar nece nedir nedi var yox olar olarmi lazimdir lazim
    isteyirem isteyirdim haqqinda haqqi harada harda hara kimler kim kime muraciet
    sened senedler senedleri pulludur pulsuz odenis odenisli odenissiz novbe novbeye
    mene menim men bu ve ile edirem etmek etmeliyem bilerem bilersiz bilersiniz deyil
    xahis edirem zehmet olmasa sag ol olun tesekkur tesekkurler beli xeyr he hee bes
    vaxt gun saat nece gune muddet neceye qeder proqram proqrami proqramina xidmet
    xidmeti xidmetler yardim teqaud teqaudu sagolun salamat qalin helelik gorusenedek
"""
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def _ascii_key(word: str) -> str:
    """A Latin word without diacritics, lower case: "Sənədlər" → "senedler", "İŞ" → "is".
    (Only for matching the ASCII word lists; the Azerbaijani letters were counted before.)"""
    word = word.replace("İ", "i").replace("I", "i").lower().replace("ə", "e").replace("ı", "i")
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


@lru_cache(maxsize=8192)  # people use a small vocabulary: each word is judged once
def _vote(word: str) -> int:
    """+1 for a word that is Azerbaijani, -1 for Russian, 0 for neither: its first signal."""
    # str.lower is right for Cyrillic; Latin words are compared only as ASCII keys, after
    # their Azerbaijani letters were looked for (Ə and Ş lower case as usual).
    low = word.lower()
    letters = set(low) | set(word)
    if letters & (_AZ_CYRILLIC | _AZ_LATIN) or low in _AZ_CYRILLIC_WORDS:
        return 1
    if letters & _RU_ONLY or low in _RU_CYRILLIC:
        return -1
    key = _ascii_key(word)
    if not key.isascii():
        return 0
    if key in _RU_LATIN:
        return -1
    return 1 if key in _AZ_ASCII else 0


def _votes(text: str) -> tuple[int, int]:
    """(Azerbaijani, Russian) words: one vote per word, for the first signal it carries."""
    votes = [_vote(match.group()) for match in _WORD.finditer(text)]
    return votes.count(1), votes.count(-1)


@lru_cache(maxsize=1024)  # the dialogue, the parse and the normalization ask about one message
def detect_language(text: str) -> Language | None:
    """ "ru" or "az" when the text says which; None when it does not (a number, "ok", a name
    typed alone, as many Azerbaijani as Russian words)."""
    az, ru = _votes(text)
    if ru > az:
        return "ru"
    if az > ru:
        return "az"
    if az == 0 and has_cyrillic(text) and not set(text.lower()) & _AZ_CYRILLIC:
        return "ru"  # Cyrillic with no sign of Azerbaijani
    return None


def cyrillic_language(text: str) -> Language:
    """Whose alphabet the text's Cyrillic letters are: Azerbaijani (г is q, ж is j, ы is ı)
    or Russian (г is g, ж is zh, ы is y). Russian unless the text reads as Azerbaijani or
    uses Azerbaijani Cyrillic letters."""
    language = detect_language(text)
    if language == "az" or (language is None and set(text.lower()) & _AZ_CYRILLIC):
        return "az"
    return "ru"
