"""Participant search shared by inline mode, `/speaker <text>` and free text in a private chat.

Every spelling of every participant is folded once per content snapshot into an in-memory index (the store
rebuilds it when content reloads), so a query costs a few dictionary and bisect lookups plus big-integer
bit operations, whatever the number of participants.

Folding: casefold, NFKD without combining marks (so diacritics, ё/е and й/и do not matter), zero-width
and direction marks dropped, punctuation and spacing ignored. Every word also gets a Latin "sound
skeleton": anyascii for Cyrillic and other scripts, pypinyin's reading of each Chinese character (from
`pinyin.txt`, see `pinyin.py`), then a few equivalences that transliterations disagree on (ph/f, kh/h,
w/v, y/i, doubled letters), so `Moin`, `Мойн` and `Моин`,
`Феа` and `Phea`-ish `Fea`, `安丰全` and `anfengquan` meet; a Chinese query is compared by its toneless
pinyin too, so homophones (`安风全`) find the name. Ranking: exact name > every word a whole word of the name
> name prefix > a role at the roundtable (alone or with a country) > the participant's country (in any
language) > any other field (organisation, role; prefix, any word order) > one or two typos (rapidfuzz OSA
distance on the skeletons, candidates from a SymSpell-style deletion index), tried only for words that
match nothing as typed; a three-letter word forgives one typo after its first letter, and a query of several
words that fails word by word is tried as one name (`kin pea`). Ties keep programme order. Stop-words
(`and`, `of`, `и`) are not indexed outside names, and among other words count only as words of a name.
Key-mashing finds nobody: a skeleton stands in for a word as a prefix only when it keeps two letters and the
word repeats no letter three times (`zzzzzz` is not the prefix `z`), and a query of one lone letter matches
the starts of names only, not every `и` or `её` in a role.

Questions are read first (`content/queries.toml`, `_Understanding`): the frames at the ends of a query are
stripped ("who is …?", «расскажи про …», "…是谁"), a run of Chinese characters is split at its particles
and at a country or role it starts with (蒙古的嘉宾, 巴基斯坦大使), and a word that matches nothing as typed
is tried without its ending («Цяна», «из Монголии»). Roles at the roundtable (chair, speakers, signatories)
are indexed for the people who hold them and rank above other fields, so `chair` finds the chair before a
signatory whose job title has "Chairman" in it; more words for a country (`Mongolian`, «китайский») count
as the country.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from bot.catalog.content import Content, Person, Queries, role_holders
from bot.catalog.pinyin import reading as _table_reading

MAX_QUERY_CHARS = 256  # Telegram's limit for an inline query; longer chat text is cut here
MAX_QUERY_WORDS = 8  # no name or organisation needs more; bounds the work for any input
MAX_WORD_CHARS = 32
FUZZY_MIN, FUZZY_MAX = 3, 16  # shorter words are too ambiguous for typos, longer ones are not names
JOINED_FUZZY = 5, 12  # letters of a whole query read as one name with typos (`kin pea` → `kinpea`)
PINYIN_MAX_CHARS = 6  # a longer Chinese run in a query is a phrase (a role, an organisation), not a name
CROWDED_PREFIX = 16  # prefixes shared by more words than this get their union precomputed
_PERMUTED_WORDS = 4  # names up to this many words match in any word order
_WINDOW = 2048
_WINDOW_MASK = (1 << _WINDOW) - 1

ABOUT_KEY = "about"
INITIATIVE_KEY = "initiative"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORD = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
_IS_HAN = re.compile(f"[{_HAN}]")
# Combining marks left by NFKD (accents, ё, й), variation selectors, zero-width and direction controls.
_IGNORABLE = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_NOT_LATIN = re.compile("[^a-z0-9]+")
_SOUNDS = {
    "shch": "sh",
    "dzh": "j",
    "sch": "sh",
    "zh": "j",
    "dj": "j",
    "ph": "f",
    "kh": "h",
    "w": "v",
    "y": "i",
}
_SOUND = re.compile("|".join(sorted(_SOUNDS, key=len, reverse=True)))
_DOUBLE = re.compile(r"(.)\1+")
_RUN = re.compile(r"(.)\1\1")  # three of one letter: key-mashing, not a spelling
# Words that say nothing about a person. They are not indexed outside names (so `an` does not find every
# role with `and`), and in a query of several words they count only where they equal a word of a name.
_STOP_WORDS = (
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "its", "of", "on", "or", "the", "to",
    "with",
    "а", "в", "во", "да", "для", "до", "за", "и", "из", "или", "к", "ко", "на", "о", "об", "от", "по", "при",
    "с", "со", "у", "её", "его", "их",
)  # fmt: skip


class Tier(IntEnum):
    """How a result matched; lower is better."""

    LISTED = 0  # the empty query lists everyone
    EXACT_NAME = 1  # the whole name, in any script, word order and spacing
    NAME_WORD = 2  # every word of the query is a whole word of the name (`kin`, `Мойн`, `栗`)
    NAME_PREFIX = 3
    ROLE = 4  # a role at the roundtable (`chair`, «спикер из Монголии»), before a job title with the word
    COUNTRY = 5  # the participant's country: `China` finds the Chinese before the ambassador to China
    FIELD = 6  # organisation, role, a document's title
    FUZZY = 7


@dataclass(frozen=True, slots=True)
class Match:
    """One result: `key` is stable and short (`p:<slug>`, `about`, `initiative`), fit for an inline id."""

    key: str
    tier: Tier
    person: Person | None = None


def fold(text: str) -> str:
    """Casefolded, without diacritics and invisible characters (ё→е, й→и, ＰＬＮ→pln, EÜAŞ→euas)."""
    text = text.casefold()
    if text.isascii():
        return text
    return _IGNORABLE.sub("", unicodedata.normalize("NFKD", text)).casefold()


STOP_WORDS = frozenset(fold(w) for w in _STOP_WORDS)  # folded, as query words are (её → ее)


def words(text: str) -> list[str]:
    """Folded words; a run of Chinese characters is one word, punctuation and spacing separate words."""
    return _WORD.findall(fold(text))


def skeleton(latin: str) -> str:
    """The sound skeleton of a Latin word (lower case ASCII letters and digits)."""
    if _SOUND.search(latin):
        latin = _SOUND.sub(_sound, latin)
    if _DOUBLE.search(latin):
        latin = _DOUBLE.sub(_single, latin)
    return latin


def _sound(match: re.Match[str]) -> str:
    return _SOUNDS[match.group()]


def _single(match: re.Match[str]) -> str:
    return match.group(1)


# The transliteration libraries are imported on first use, not with the bot: pypinyin is not imported at
# all (its dictionaries would cost ~55 MB; `pinyin.txt` holds the one reading per character we use),
# anyascii when a non-ASCII word is first folded, rapidfuzz on the first query word that may be a typo.


def _anyascii(text: str) -> str:
    from anyascii import anyascii

    return anyascii(text)


@functools.cache
def _ascii_table() -> dict[int, str]:
    """anyascii's transliteration of the European alphabets as a `str.translate` table (C speed)."""
    return {code: _anyascii(chr(code)).lower() for code in range(0x80, 0x530)}


def latin(word: str) -> str:
    """The skeleton of a folded non-Chinese word, transliterated with anyascii."""
    if not word.isascii():
        word = word.translate(_ascii_table())
        if not word.isascii():
            word = _anyascii(word).lower()
        word = _NOT_LATIN.sub("", word)
    return skeleton(word)


def _pinyin(word: str) -> list[str]:
    """A Chinese run's syllables as pypinyin writes them (`绿` → `lv`), character by character."""
    return [skeleton(s) for s in map(_table_reading, word) if s]


@functools.lru_cache(maxsize=4096)
def _reading(char: str) -> str:
    """The first toneless reading of one Chinese character (`丰` → `feng`, `绿` → `lu`); the character if it
    has none."""
    syllable = _table_reading(char)
    return syllable.replace("v", "u") if syllable else char


def _char_pinyin(word: str) -> str:
    """A Chinese run read character by character: a dictionary lookup each, ~100 times faster than
    `lazy_pinyin`'s phrase analysis, so a query never waits for it (names get both readings)."""
    return skeleton("".join(_reading(char) for char in word))


def _query_sound(word: str, long: bool) -> str:
    """A query word's skeleton, never empty; in a query of more words than a name has, a Chinese word's
    pinyin is not worth its cost."""
    if long and _IS_HAN.match(word):
        return word
    return sound(word) or word


@functools.lru_cache(maxsize=4096)  # bounded: the words people type repeat, keystroke after keystroke
def sound(word: str) -> str:
    """A folded query word's skeleton; a Chinese run's is its toneless pinyin (`安风全` → `anfengquan`)."""
    if _IS_HAN.match(word):
        return _char_pinyin(word) if len(word) <= PINYIN_MAX_CHARS else word
    return latin(word)


@dataclass(frozen=True, slots=True)
class _Keys:
    """The index keys of one text: `words` for prefix lookups, `wholes` for exact names, `fuzzy` skeletons."""

    words: frozenset[str]
    inner: frozenset[str]  # substrings of Chinese runs (as Chinese and as pinyin), for non-name lookups
    wholes: frozenset[str]
    fuzzy: frozenset[str]
    name_words: frozenset[str]  # each word of a name, as written and as sound; a Chinese name's parts


def _analyse(text: str, *, name: bool) -> _Keys:
    folded = words(text)
    if not name:
        folded = [w for w in folded if w not in STOP_WORDS]
    native: list[str] = []  # the words as written (folded)
    latins: list[str] = []  # their skeletons; a Chinese run gives its pinyin
    prefixes: set[str] = set()
    inner: set[str] = set()
    fuzzy: set[str] = set()
    name_words: set[str] = set()
    wholes: set[str] = set()
    for word in folded:
        native.append(word)
        if _IS_HAN.match(word):
            syllables = _pinyin(word)
            joined = "".join(syllables)
            latins.append(joined)
            by_char = _char_pinyin(word)  # how a query reads it, if a character has several readings
            prefixes.update((word, joined, skeleton(joined), by_char))
            if name:
                name_words.add(by_char)
                if len(folded) == 1:
                    wholes.add(by_char)
            inner.update(word[i:] for i in range(1, min(len(word), MAX_WORD_CHARS)))
            # A Chinese name in one run: its given name alone (`fengquan`), surname and given name as words.
            # Not a transliteration in several runs (阿尔玛斯·丘金): 阿 is not a surname there.
            if name and len(folded) == 1 and 2 <= len(syllables) <= 4:
                given = "".join(syllables[1:])
                prefixes.add(given)
                fuzzy.add(joined)
                name_words.update((word[:1], word[1:], syllables[0], given, skeleton(given)))
            name_words.update((word, joined, skeleton(joined)))
        else:
            skel = latin(word)
            latins.append(skel)
            prefixes.update((word, skel))
            fuzzy.add(skel)
            name_words.update((word, skel))
    for seq in (native, latins):
        if not seq:
            continue
        orders: Iterable[tuple[str, ...]] = (
            itertools.permutations(seq) if len(seq) <= _PERMUTED_WORDS else (tuple(seq), tuple(sorted(seq)))
        )
        for order in orders:
            joined = "".join(order)
            wholes.update((joined, skeleton(joined)) if seq is latins else (joined,))
    if len(folded) > 1 and (name or len(folded) <= _PERMUTED_WORDS):
        prefixes.update(wholes)  # `moinulh`, `anfeng`, `powerchina`: spacing does not matter
        if name:
            fuzzy.add("".join(latins))
    prefixes.discard("")
    return _Keys(
        words=frozenset(prefixes),
        inner=frozenset(inner - prefixes),
        wholes=frozenset(wholes) if name else frozenset(),
        fuzzy=frozenset(w for w in fuzzy if FUZZY_MIN <= len(w) <= FUZZY_MAX),
        name_words=frozenset(name_words - {""}) if name else frozenset(),
    )


def _bitset(ids: list[int]) -> int:
    if len(ids) <= 32:
        return sum(1 << i for i in ids)
    buffer = bytearray(ids[-1] // 8 + 1)
    for i in ids:
        buffer[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buffer, "little")


def _postings_to_bits(postings: dict[str, list[int]]) -> dict[str, int]:
    return {key: _bitset(ids) for key, ids in postings.items()}


def _add(postings: dict[str, list[int]], keys: Iterable[str], doc: int) -> None:
    for key in keys:
        ids = postings[key]
        if not ids or ids[-1] != doc:
            ids.append(doc)


class _Vocabulary:
    """Sorted words, each with the bitset of documents holding it; `prefix(p)` unions the words under p."""

    def __init__(self, postings: dict[str, list[int]]) -> None:
        bits = _postings_to_bits(postings)
        self.keys = sorted(bits)
        self.bits = [bits[k] for k in self.keys]
        self.crowded = self._crowded_prefixes()

    def _crowded_prefixes(self) -> dict[str, int]:
        """Unions for every prefix shared by more than CROWDED_PREFIX words (so `prefix` stays bounded)."""
        keys, bits = self.keys, self.bits
        crowded: dict[str, int] = {}
        ranges = [(0, len(keys))]
        length = 1
        while ranges:
            deeper = []
            for lo, hi in ranges:
                i = lo
                while i < hi:
                    if len(keys[i]) < length:  # equals the parent prefix: sorts first
                        i += 1
                        continue
                    head = keys[i][:length]
                    j = i + 1
                    while j < hi and keys[j].startswith(head):
                        j += 1
                    if j - i > CROWDED_PREFIX:
                        union = 0
                        for b in bits[i:j]:
                            union |= b
                        crowded[head] = union
                        deeper.append((i, j))
                    i = j
            ranges = deeper
            length += 1
        return crowded

    def prefix(self, head: str) -> int:
        union = self.crowded.get(head)
        if union is not None:
            return union
        keys = self.keys
        i = bisect_left(keys, head)
        union = 0
        while i < len(keys) and keys[i].startswith(head):  # at most CROWDED_PREFIX words
            union |= self.bits[i]
            i += 1
        return union


def _sound_prefix(word: str, skel: str) -> bool:
    """Whether a query word's skeleton may stand in for it as a name or field prefix.

    Collapsing letters is right for sound-alikes (`Yakhayya` meets `Yahaya`) but turns key-mashing into a
    one-letter prefix that matches half the programme (`zzzzzz` → `z`, `ё` → `e`): a skeleton prefixes only
    for a word of two letters or more that keeps two letters or more and repeats no letter three times.
    Exact names and typos still use the skeleton, where a stray letter cannot widen the match.
    """
    return len(word) >= 2 and len(skel) >= 2 and not _RUN.search(word)


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _typo_budget(word: str) -> int:
    return 1 if len(word) < 8 else 2


def _typo_candidate(word: str) -> bool:
    return FUZZY_MIN <= len(word) <= FUZZY_MAX and not _IS_HAN.match(word)


def _near(word: str, other: str, budget: int) -> bool:
    """Within `budget` typos; a word of three letters must keep its first (`kim` → `kin`, not `pin`)."""
    if len(word) <= 3 and word[:1] != other[:1]:
        return False
    return _osa_distance()(word, other, score_cutoff=budget) <= budget


@functools.cache
def _osa_distance() -> Callable[..., int]:
    from rapidfuzz.distance import OSA

    return OSA.distance


def _every_word_in(
    docs: int, forms: Sequence[tuple[tuple[str, ...], tuple[str, ...]]], table: dict[str, int]
) -> int:
    """Of `docs`, those every query word (in one of its typed forms) names in `table` (countries, roles)."""
    for typed, _pinyin in forms:
        hit = 0
        for variant in typed:
            hit |= table.get(variant, 0)
        docs &= hit
        if not docs:
            break
    return docs


def _indices(bits: int, limit: int | None) -> list[int]:
    """Positions of the set bits, lowest first, at most `limit` of them.

    Works a window at a time: isolating the lowest bit of a whole 10,000-bit set costs a pass over it.
    """
    out: list[int] = []
    left = -1 if limit is None else limit
    base = 0
    while bits and left:
        window = bits & _WINDOW_MASK
        if not window:
            skip = ((bits & -bits).bit_length() - 1) // _WINDOW * _WINDOW
            bits >>= skip
            base += skip
            continue
        if window.bit_count() <= 4:
            while window and left:
                low = window & -window
                out.append(base + low.bit_length() - 1)
                window ^= low
                left -= 1
        else:  # many bits: one conversion to text, then C-speed scans from the lowest bit up
            text = bin(window)
            end = len(text)
            top = base + end - 1
            while left:
                end = text.rfind("1", 2, end)
                if end < 0:
                    break
                out.append(top - end)
                left -= 1
        bits >>= _WINDOW
        base += _WINDOW
    return out


_Forms = tuple[tuple[str, ...], tuple[str, ...]]  # a query word as typed (and its skeleton); its pinyin
_Found = tuple[list[_Forms], int, int, int, bool]


class _Postings:
    """Index key → documents holding it, per kind of key, collected while an index is built."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool], _Keys] = {}
        self.exact: defaultdict[str, list[int]] = defaultdict(list)
        self.name_words: defaultdict[str, list[int]] = defaultdict(list)
        self.names: defaultdict[str, list[int]] = defaultdict(list)
        self.countries: defaultdict[str, list[int]] = defaultdict(list)
        self.roles: defaultdict[str, list[int]] = defaultdict(list)
        self.fields: defaultdict[str, list[int]] = defaultdict(list)
        self.typos: defaultdict[str, list[int]] = defaultdict(list)

    def add(
        self, doc: int, text: str, *, name: bool = False, country: bool = False, role: bool = False
    ) -> None:
        analysed = self._cache.get((text, name))
        if analysed is None:  # texts repeat across people (countries, organisations): analyse each once
            analysed = self._cache[text, name] = _analyse(text, name=name)
        _add(self.fields, analysed.words, doc)
        _add(self.fields, analysed.inner, doc)
        _add(self.typos, analysed.fuzzy, doc)
        if country:
            _add(self.countries, analysed.words, doc)
        if role:
            _add(self.roles, analysed.words, doc)
        if name:
            _add(self.names, analysed.words, doc)
            _add(self.exact, analysed.wholes, doc)
            _add(self.name_words, analysed.name_words, doc)


def _alternation(texts: Iterable[str]) -> str:
    return "|".join(re.escape(t) for t in sorted(set(texts), key=len, reverse=True))


class _Understanding:
    """A question read as the words it asks about (`queries.toml`): frames stripped at the ends ("who is",
    «расскажи про», 是谁), a run of Chinese characters split at its particles (蒙古的嘉宾 → 蒙古 嘉宾), and
    the inflection of a word that matches nothing as typed (`stem`). Words of a name are never frames."""

    def __init__(
        self, queries: Queries, name_words: dict[str, int], known: Iterable[str], hit: Callable[[str], int]
    ) -> None:
        self._name_words = name_words
        # Chinese words a run may start or end with when the whole run matches nothing (巴基斯坦大使):
        # countries and roles, which Chinese writes without a space before the rest.
        han_known = {w for text in known for w in words(text) if _IS_HAN.match(w)}
        self._known = re.compile(_alternation(han_known)) if han_known else None
        self._hit = hit
        starts: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
        ends: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
        han: list[str] = []
        for frame in queries.frames.values():
            parts = tuple(words(frame))
            if len(parts) == 1 and _IS_HAN.match(parts[0]):
                han.append(parts[0])
            elif parts:
                starts[parts[0]].append(parts)
                ends[parts[-1]].append(parts)
        self._starts = {w: sorted(set(f), key=len, reverse=True) for w, f in starts.items()}
        self._ends = {w: sorted(set(f), key=len, reverse=True) for w, f in ends.items()}
        frames = _alternation(han)
        self._han_ends = re.compile(f"^(?:{frames})+|(?:{frames})+$") if han else None
        particles = [fold(p) for p in queries.particles.values()]
        self._particles = re.compile(_alternation(particles)) if particles else None
        endings = [fold(e) for e in queries.endings.values()]
        self._endings = sorted({len(e) for e in endings}, reverse=True)
        self._ending_set = frozenset(endings)

    def words(self, query: str) -> list[str]:
        """The query's folded words without its frames; a query of frames only is searched as typed."""
        typed = [w[:MAX_WORD_CHARS] for w in words(query[:MAX_QUERY_CHARS])][:MAX_QUERY_WORDS]
        names = self._name_words
        frames = self._han_ends
        found: list[str] = []
        for word in typed:
            if frames is not None and _IS_HAN.match(word) and word not in names:
                found += self._han_words(word, frames)
            else:
                found.append(word)
        start, end = 0, len(found)
        while start < end:
            frame = self._frame(found, start, end, self._starts.get(found[start]), True)
            if frame:
                start += frame
                continue
            frame = self._frame(found, start, end, self._ends.get(found[end - 1]), False)
            if not frame:
                break
            end -= frame
        return found[start:end] or typed

    def _frame(
        self, found: list[str], start: int, end: int, frames: list[tuple[str, ...]] | None, at_start: bool
    ) -> int:
        """How many words a frame covers at the start (or end) of `found[start:end]`; 0 for none."""
        for frame in frames or ():
            size = len(frame)
            if size > end - start or (size == 1 and frame[0] in self._name_words):
                continue
            if tuple(found[start : start + size] if at_start else found[end - size : end]) == frame:
                return size
        return 0

    def _han_words(self, run: str, frames: re.Pattern[str]) -> list[str]:
        pieces = self._particles.split(run) if self._particles else [run]
        out = []
        for piece in pieces:
            kept = piece if piece in self._name_words else frames.sub("", piece)
            if kept:
                out += self._segments(kept)
        return out

    def _segments(self, piece: str) -> list[str]:
        """A run that matches nothing as a whole, cut after a country or role it starts with, or before one
        it ends with (巴基斯坦大使 → 巴基斯坦 大使, 印尼嘉宾 → 印尼 嘉宾); else the run."""
        if self._known is None or len(piece) < 3 or piece in self._name_words or self._hit(piece):
            return [piece]
        head = self._known.match(piece)
        if head and head.end() < len(piece):
            return [piece[: head.end()], *self._segments(piece[head.end() :])]
        for start in range(1, len(piece) - 1):
            tail = self._known.fullmatch(piece, start)
            if tail:
                return [piece[:start], piece[start:]]
        return [piece]

    def stem(self, word: str) -> str:
        """`word` without its longest inflection of `queries.toml`, keeping three letters; "" if none."""
        for size in self._endings:
            if len(word) - size >= 3 and word[-size:] in self._ending_set:
                return word[:-size]
        return ""


class SearchIndex:
    """The search over one content snapshot: the people in programme order, the roundtable, the initiative.

    Each document has a bit (people 0…n-1, the roundtable n, the initiative n+1); every index key maps to
    the bitset of documents holding it.
    """

    def __init__(self, content: Content) -> None:
        self.content = content
        self.people = content.people
        count = len(self.people)
        self._docs: list[Match] = [Match(f"p:{p.slug}", Tier.LISTED, p) for p in self.people]
        self._docs += [Match(ABOUT_KEY, Tier.LISTED), Match(INITIATIVE_KEY, Tier.LISTED)]
        self._by_tier: dict[Tier, list[Match]] = {
            tier: [Match(m.key, tier, m.person) for m in self._docs] for tier in Tier if tier != Tier.LISTED
        }
        self._people_mask = (1 << count) - 1
        self._listed = (self._docs[count], *self._docs[:count], self._docs[count + 1])

        queries = content.queries
        country_words = {c.code: c.words.values() for c in queries.country}
        postings = _Postings()
        for doc, person in enumerate(self.people):
            for text in (*person.name.values(), person.native, *person.aliases):
                postings.add(doc, text, name=True)
            for text in (
                *content.countries[person.country].name.values(),
                *country_words.get(person.country, ()),
            ):
                postings.add(doc, text, country=True)
            other = list(person.role.values())
            if person.organisation:
                org = content.organisations[person.organisation]
                other += [*org.name.values(), *(org.short.values() if org.short else ()), *org.aliases]
            for text in other:
                postings.add(doc, text)
        for text in content.event.title.values():
            postings.add(count, text)
        initiative = content.initiative
        for text in initiative.title.values():
            postings.add(count + 1, text)
        for signatory in initiative.named_signatories:
            if signatory.person is None:  # the others are found as themselves, their card says they signed
                for text in signatory.name.values():
                    postings.add(count + 1, text, name=True)
                for text in signatory.role.values():
                    postings.add(count + 1, text)
        for role in queries.role:
            held = role_holders(role, content.event.chair, content.people, content.initiative)
            for doc, person in enumerate(self.people):
                if person.slug in held:
                    for text in (*role.words.values(), *role.verbs.values()):
                        postings.add(doc, text, role=True)
        # A verb alone ("spoke", «выступал») asks about the list, not for a search: it counts with others.
        self._verbs = frozenset(w for role in queries.role for v in role.verbs.values() for w in words(v))
        self._build(postings)
        known = [c.name.zh for c in content.countries.values()]
        for more in (*country_words.values(), *(role.words.values() for role in queries.role)):
            known += more
        self._understanding = _Understanding(queries, self._name_words, known, self._fields.prefix)

    def _build(self, postings: _Postings) -> None:
        self._exact = _postings_to_bits(postings.exact)
        self._name_words = _postings_to_bits(postings.name_words)
        self._names = _Vocabulary(postings.names)
        # Few words (country names): every prefix of each is a key, one lookup per query word.
        self._countries: dict[str, int] = defaultdict(int)
        for key, bits in _postings_to_bits(postings.countries).items():
            for end in range(1, len(key) + 1):
                self._countries[key[:end]] |= bits
        self._countries = dict(self._countries)
        self._roles: dict[str, int] = defaultdict(int)  # roles and countries: a role word may name either
        for key, bits in _postings_to_bits(postings.roles).items():
            for end in range(1, len(key) + 1):
                self._roles[key[:end]] |= bits
        for key, bits in self._countries.items():
            self._roles[key] |= bits
        self._roles = dict(self._roles)
        self._fields = _Vocabulary(postings.fields)
        typo_bits = _postings_to_bits(postings.typos)
        self._typo_words = list(typo_bits)
        self._typo_bits = [typo_bits[w] for w in self._typo_words]
        deletions: defaultdict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(self._typo_words):
            for variant in _deletions(word, 2):
                deletions[variant].append(i)
        self._deletions = {variant: tuple(ids) for variant, ids in deletions.items()}  # tuples: GC skips them

    # -- public API --------------------------------------------------------------------------------------
    def search(self, query: str, limit: int | None = None) -> list[Person]:
        """People matching `query`, best first; an empty query lists everyone in programme order."""
        return [m.person for m in self.matches(query, limit) if m.person is not None]

    def matches(self, query: str, limit: int | None = None, *, documents: bool = False) -> list[Match]:
        """Scored matches, best first. With `documents`, the roundtable and the initiative are candidates
        too, and the empty query lists the roundtable, everyone, then the initiative."""
        if limit is not None and limit <= 0:
            return []
        if not query.strip():
            listed = self._listed if documents else self._docs[: len(self.people)]
            return list(listed[:limit])
        mask = -1 if documents else self._people_mask
        found: list[Match] = []
        for tier, bits in self._tiers(query, mask):
            table = self._by_tier[tier]
            found += [table[doc] for doc in _indices(bits, None if limit is None else limit - len(found))]
            if limit is not None and len(found) >= limit:
                break
        return found

    def topic(self, text: str) -> str | None:
        """The screen that answers `text` when it is a question that found nobody (`question_topic`), or
        None: a question about someone ("who is John Smith?") is not one about the speakers in general, so
        it gets the honest "nobody matches"."""
        key = question_topic(text)
        if key != SPEAKERS_KEY:
            return key
        asked = self._understanding.words(text)
        if any(not _topic_word(w, _SPEAKER_STEMS) and w not in _QUESTION_WORDS for w in asked):
            return None
        return key

    # -- matching ------------------------------------------------------------------------------------------
    def _tiers(self, query: str, mask: int) -> list[tuple[Tier, int]]:
        query_words = self._understanding.words(query)
        if not query_words or (len(query_words) == 1 and query_words[0] in self._verbs):
            return []
        sounds: list[str] = []  # each word's skeleton, for exact names and typos, as far as the words went
        found = self._match_words(query_words, sounds, mask)
        exact = self._exact.get("".join(query_words), 0)
        if len(sounds) == len(query_words):
            exact |= self._exact.get("".join(sounds), 0)
        exact &= mask
        if found is None:
            return []
        forms, name_word, fields, loose, partly = found
        if not fields:
            if exact:
                return [(Tier.EXACT_NAME, exact)]
            if not loose and partly and not _IS_HAN.search(query):  # `kin pea`, `moin ul huq`: one name
                rest = [_query_sound(w, False) for w in query_words[len(sounds) :]]
                joined = "".join(sounds + rest)
                if JOINED_FUZZY[0] <= len(joined) <= JOINED_FUZZY[1]:
                    loose = self._typo_bits_for(joined) & mask
            return [(Tier.FUZZY, loose)] if loose else []
        name_word &= fields & ~exact
        names = fields & ~(exact | name_word)
        for typed, pinyin in forms:
            hit = 0
            for variant in (*typed, *pinyin):
                hit |= self._names.prefix(variant)
            names &= hit
            if not names:
                break
        fields &= ~(exact | name_word | names)
        country = _every_word_in(fields, forms, self._countries)
        fields &= ~country
        role = _every_word_in(fields, forms, self._roles)
        fields &= ~role
        tiers = [
            (Tier.EXACT_NAME, exact),
            (Tier.NAME_WORD, name_word),
            (Tier.NAME_PREFIX, names),
            (Tier.ROLE, role),
            (Tier.COUNTRY, country),
            (Tier.FIELD, fields),
        ]
        return [(tier, bits) for tier, bits in tiers if bits]

    def _match_words(self, query_words: list[str], sounds: list[str], mask: int) -> _Found | None:
        """Each counted word's prefix forms, and the documents where every counted word is a whole word of a
        name (`name_word`), matches as typed (`fields`), as typed or as a typo (`loose`); whether some word
        matched as typed (`partly`). `sounds` gets each word's skeleton until the first word nothing holds."""
        several = len(query_words) > 1
        forms: list[_Forms] = []
        name_word = fields = loose = mask
        partly = False
        # A lone letter is the start of a name; in other fields it would hit every `и`, `a`, `её`.
        lone_letter = not several and len(query_words[0]) == 1 and not _IS_HAN.match(query_words[0])
        vocabulary = self._names if lone_letter else self._fields
        name_words = self._name_words
        long = len(query_words) > _PERMUTED_WORDS  # longer than any name: no pinyin
        for word in query_words:
            sounds.append(skel := _query_sound(word, long))
            stem_sound = ""
            no_typo = word in STOP_WORDS  # nor, below, a Chinese word
            if no_typo and several:  # `of`, `и` among other words: only as a word of a name
                bits = (name_words.get(word, 0) | name_words.get(skel, 0)) & mask
                if not bits:
                    continue
                forms.append(((word,), ()))
                name_word &= bits
            else:
                named = name_word
                if name_word:
                    name_word &= name_words.get(word, 0) | name_words.get(skel, 0)
                if _IS_HAN.match(word):
                    # Two characters or more match names by their pinyin too (`安风` → `anfeng`), but a
                    # Chinese word is never a typo: a wrong character changes several letters of pinyin.
                    no_typo = True
                    pinyin = (skel,) if len(word) >= 2 and skel != word else ()
                    forms.append(((word,), pinyin))
                    bits = vocabulary.prefix(word)
                    for variant in pinyin:
                        bits |= self._names.prefix(variant)
                else:
                    typed, bits, stem_sound = self._typed_bits(word, skel, vocabulary, mask, no_typo)
                    if len(typed) > 2:  # the stem matched: is it a whole word of a name?
                        name_word = named & (name_words.get(typed[-2], 0) | name_words.get(typed[-1], 0))
                    forms.append((typed, ()))
                bits &= mask
            if bits:
                loose &= bits
                partly = True
            else:  # a word that matches nothing as typed is taken as a typo; the others stay as typed
                fields = 0
                loose = 0 if no_typo else loose & self._near_bits(skel, stem_sound, loose)
            if not loose:
                break
            fields &= bits
        if not forms:
            return None
        return forms, name_word, fields & loose, loose, partly

    def _typed_bits(
        self, word: str, skel: str, vocabulary: _Vocabulary, mask: int, no_typo: bool
    ) -> tuple[tuple[str, ...], int, str]:
        """A non-Chinese word's prefix forms and the documents they match. A word that matches nothing is
        tried without its ending («Цяна» → «цян», «Монголии» → «монгол», `speakers` → `speaker`): when the
        stem matches, the forms are the word, the stem and its skeleton; when not, the stem's skeleton is
        returned third, for typos."""
        typed: tuple[str, ...] = (word, skel) if skel != word and _sound_prefix(word, skel) else (word,)
        bits = 0
        for variant in typed:
            bits |= vocabulary.prefix(variant)
        stem = "" if bits & mask or no_typo else self._understanding.stem(word)
        if not stem:
            return typed, bits, ""
        stem_skel = latin(stem)
        found = vocabulary.prefix(stem)
        if stem_skel != stem and _sound_prefix(stem, stem_skel):
            found |= vocabulary.prefix(stem_skel)
        if not found & mask:
            return typed, bits, stem_skel
        return (word, stem, stem_skel), found, ""

    def _near_bits(self, skel: str, stem_sound: str, among: int) -> int:
        """Documents a typo away from a word; if none of `among`, a typo away from its stem (`посла` →
        `посл`, a letter from `посол`). The stem is tried second: most typos are found as typed."""
        near = self._typo_bits_for(skel)
        if stem_sound and not near & among:
            near |= self._typo_bits_for(stem_sound)
        return near

    def _typo_bits_for(self, word: str) -> int:
        """Documents with a word one typo away (two for words of eight letters or more)."""
        if not _typo_candidate(word):
            return 0
        budget = _typo_budget(word)
        seen: set[int] = set()
        bits = 0
        for variant in _deletions(word, budget):
            for i in self._deletions.get(variant, ()):
                if i in seen:
                    continue
                seen.add(i)
                if _near(word, self._typo_words[i], budget):
                    bits |= self._typo_bits[i]
        return bits


SPEAKERS_KEY = "speakers"
NEWS_KEY = "news"
_QUESTION_WORDS = frozenset((
    "what", "when", "where", "who", "whom", "which", "how", "why", "is", "was", "are", "were", "did", "does",
    "do", "can", "что", "когда", "где", "кто", "какой", "какая", "какие", "какое", "как", "почему", "сколько",
    "зачем", "ли",
))  # fmt: skip
_QUESTION_HAN = ("什么", "何时", "哪", "谁", "几", "多少", "吗", "怎么", "是否", "呢")
# Word beginnings (folded) and Chinese words that say which screen answers a question; the first topic wins.
_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (INITIATIVE_KEY, ("initiative", "sign", "declaration", "инициатив", "подпис", "倡议", "签署", "签名")),
    (NEWS_KEY, ("news", "subscri", "новост", "рассылк", "新闻", "订阅")),
    (SPEAKERS_KEY, ("who", "speaker", "spoke", "participant", "guest", "chair", "moderator", "кто", "спикер",
                    "участник", "участвов", "выступ", "гост", "председател", "ведущ",
                    "谁", "嘉宾", "发言", "主持", "参会")),
    (ABOUT_KEY, ("when", "date", "day", "where", "online", "format", "organi", "theme", "topic", "purpose",
                 "outcome", "когда", "дата", "числ", "где", "формат", "онлайн", "организ", "тема", "цель",
                 "итог", "何时", "时间", "日期", "哪天", "线上", "形式", "主办", "主题", "目的", "成果")),
)  # fmt: skip


def question_topic(text: str) -> str | None:
    """The screen that answers `text` when it is a question (`what is the date?` → `about`), else None.

    For the chat's "nobody matches" path: a question is never a name, so it gets a pointer instead.
    A question about nothing we know of points to the roundtable's card.
    """
    text = text[:MAX_QUERY_CHARS]
    folded = words(text)
    if not folded:
        return None
    asked = text.rstrip().endswith(("?", "？")) or folded[0] in _QUESTION_WORDS
    asked = asked or any(mark in text for mark in _QUESTION_HAN)
    if not asked:
        return None
    for key, stems in _TOPICS:
        for stem in stems:
            if _IS_HAN.match(stem) and stem in text:
                return key
            if any(word.startswith(stem) for word in folded):
                return key
    return ABOUT_KEY


def _topic_word(word: str, stems: tuple[str, ...]) -> bool:
    return any((stem in word) if _IS_HAN.match(stem) else word.startswith(stem) for stem in stems)


_SPEAKER_STEMS = dict(_TOPICS)[SPEAKERS_KEY]
