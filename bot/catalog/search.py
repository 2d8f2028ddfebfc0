"""Participant search shared by inline mode, `/speaker <text>` and free text in a private chat.

Every spelling of every participant is folded once per content snapshot into an in-memory index (the store
rebuilds it when content reloads), so a query costs a few dictionary and bisect lookups plus big-integer
bit operations, whatever the number of participants.

Folding: casefold, NFKD without combining marks (so diacritics, ё/е and й/и do not matter), zero-width
and direction marks dropped, punctuation and spacing ignored. Every word also gets a Latin "sound
skeleton": anyascii for Cyrillic and other scripts, pypinyin for Chinese, then a few equivalences that
transliterations disagree on (ph/f, kh/h, w/v, y/i, doubled letters), so `Moin`, `Мойн` and `Моин`,
`Феа` and `Phea`-ish `Fea`, `安丰全` and `anfengquan` meet. Ranking: exact name > name prefix > any other
field (organisation, country, role; prefix, any word order) > one or two typos (rapidfuzz OSA distance on
the skeletons, candidates from a SymSpell-style deletion index), tried only for words that match nothing
as typed. Ties keep programme order. Key-mashing finds nobody: a skeleton stands in for a word as a prefix
only when it keeps two letters and the word repeats no letter three times (`zzzzzz` is not the prefix
`z`), and a query of one lone letter matches the starts of names only, not every `и` or `её` in a role.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from anyascii import anyascii
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA

from bot.catalog.content import Content, Person

MAX_QUERY_CHARS = 256  # Telegram's limit for an inline query; longer chat text is cut here
MAX_QUERY_WORDS = 8  # no name or organisation needs more; bounds the work for any input
MAX_WORD_CHARS = 32
FUZZY_MIN, FUZZY_MAX = 4, 16  # shorter words are too ambiguous for typos, longer ones are not names
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


class Tier(IntEnum):
    """How a result matched; lower is better."""

    LISTED = 0  # the empty query lists everyone
    EXACT_NAME = 1
    NAME_PREFIX = 2
    FIELD = 3
    FUZZY = 4


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


@functools.cache
def _ascii_table() -> dict[int, str]:
    """anyascii's transliteration of the European alphabets as a `str.translate` table (C speed)."""
    return {code: anyascii(chr(code)).lower() for code in range(0x80, 0x530)}


def latin(word: str) -> str:
    """The skeleton of a folded non-Chinese word, transliterated with anyascii."""
    if not word.isascii():
        word = word.translate(_ascii_table())
        if not word.isascii():
            word = anyascii(word).lower()
        word = _NOT_LATIN.sub("", word)
    return skeleton(word)


def _pinyin(word: str) -> list[str]:
    return [skeleton(s) for s in (_NOT_LATIN.sub("", p.lower()) for p in lazy_pinyin(word)) if s]


@dataclass(frozen=True, slots=True)
class _Keys:
    """The index keys of one text: `words` for prefix lookups, `wholes` for exact names, `fuzzy` skeletons."""

    words: frozenset[str]
    inner: frozenset[str]  # substrings of Chinese runs (as Chinese and as pinyin), for non-name lookups
    wholes: frozenset[str]
    fuzzy: frozenset[str]


def _analyse(text: str, *, name: bool) -> _Keys:
    folded = words(text)
    native: list[str] = []  # the words as written (folded)
    latins: list[str] = []  # their skeletons; a Chinese run gives its pinyin
    prefixes: set[str] = set()
    inner: set[str] = set()
    fuzzy: set[str] = set()
    for word in folded:
        native.append(word)
        if _IS_HAN.match(word):
            syllables = _pinyin(word)
            joined = "".join(syllables)
            latins.append(joined)
            prefixes.update((word, joined, skeleton(joined)))
            inner.update(word[i:] for i in range(1, min(len(word), MAX_WORD_CHARS)))
            if name and 2 <= len(syllables) <= 4:  # a Chinese name: its given name alone (`fengquan`)
                prefixes.add("".join(syllables[1:]))
                fuzzy.add(joined)
        else:
            skel = latin(word)
            latins.append(skel)
            prefixes.update((word, skel))
            fuzzy.add(skel)
    wholes: set[str] = set()
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

        cache: dict[tuple[str, bool], _Keys] = {}

        def keys(text: str, *, name: bool = False) -> _Keys:
            found = cache.get((text, name))
            if found is None:
                found = cache[text, name] = _analyse(text, name=name)
            return found

        exact: defaultdict[str, list[int]] = defaultdict(list)
        names: defaultdict[str, list[int]] = defaultdict(list)
        fields: defaultdict[str, list[int]] = defaultdict(list)
        typos: defaultdict[str, list[int]] = defaultdict(list)

        def add(doc: int, analysed: _Keys, *, name: bool) -> None:
            _add(fields, analysed.words, doc)
            _add(fields, analysed.inner, doc)
            _add(typos, analysed.fuzzy, doc)
            if name:
                _add(names, analysed.words, doc)
                _add(exact, analysed.wholes, doc)

        for doc, person in enumerate(self.people):
            for text in (*person.name.values(), person.native, *person.aliases):
                add(doc, keys(text, name=True), name=True)
            other = [*person.role.values(), *content.countries[person.country].name.values()]
            if person.organisation:
                org = content.organisations[person.organisation]
                other += [*org.name.values(), *(org.short.values() if org.short else ()), *org.aliases]
            for text in other:
                add(doc, keys(text), name=False)
        for text in content.event.title.values():
            add(count, keys(text), name=False)
        for text in content.initiative.title.values():
            add(count + 1, keys(text), name=False)

        self._exact = _postings_to_bits(exact)
        self._names = _Vocabulary(names)
        self._fields = _Vocabulary(fields)
        typo_bits = _postings_to_bits(typos)
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

    # -- matching ------------------------------------------------------------------------------------------
    def _tiers(self, query: str, mask: int) -> list[tuple[Tier, int]]:
        query_words = [w[:MAX_WORD_CHARS] for w in words(query[:MAX_QUERY_CHARS])][:MAX_QUERY_WORDS]
        forms: list[tuple[str, ...]] = []  # what each word prefix-matches: as typed, and maybe its skeleton
        sounds: list[str] = []  # each word's skeleton, for exact names and typos
        fields = mask  # documents where every word matches as typed
        loose = mask  # documents where every word matches, as typed or as a typo
        # A lone letter is the start of a name; in other fields it would hit every `и`, `a`, `её`.
        lone_letter = len(query_words) == 1 and len(query_words[0]) == 1 and not _IS_HAN.match(query_words[0])
        vocabulary = self._names if lone_letter else self._fields
        for word in query_words:
            skel = "" if _IS_HAN.match(word) else latin(word)
            sounds.append(skel or word)
            form: tuple[str, ...] = (word, skel) if skel != word and _sound_prefix(word, skel) else (word,)
            forms.append(form)
            bits = 0
            for variant in form:
                bits |= vocabulary.prefix(variant)
            bits &= mask
            if bits:
                loose &= bits
            else:  # a word that matches nothing as typed is taken as a typo; the others stay as typed
                fields = 0
                loose &= self._typo_bits_for(sounds[-1])
            if not loose:
                break
            fields &= bits
        if not forms:
            return []
        fields &= loose  # empty when the loop stopped early on a word that matches nothing at all
        exact = self._exact.get("".join(query_words), 0) | self._exact.get("".join(sounds), 0)
        exact &= mask
        if not fields:
            return [(Tier.EXACT_NAME, exact)] if exact else ([(Tier.FUZZY, loose)] if loose else [])
        names = fields
        for form in forms:
            bits = 0
            for variant in form:
                bits |= self._names.prefix(variant)
            names &= bits
            if not names:
                break
        names &= ~exact
        fields &= ~(exact | names)
        tiers = [(Tier.EXACT_NAME, exact), (Tier.NAME_PREFIX, names), (Tier.FIELD, fields)]
        return [(tier, bits) for tier, bits in tiers if bits]

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
                if OSA.distance(word, self._typo_words[i], score_cutoff=budget) <= budget:
                    bits |= self._typo_bits[i]
        return bits
