"""Benchmark of the participant search and of inline mode, at 10,000 synthetic participants (not a test).

    .venv/bin/python bench/search.py [--people 10000] [--queries 3000] [--updates 5000]

Prints, from one run:
- p50/p99 of one search call (what inline mode runs per page: `matches(query, PAGE_SIZE + 1, ...)`) over a
  mix of realistic queries (names in three scripts, prefixes, typos, organisations, countries, roles,
  questions and requests around them, nothing-found and garbage), against the floor: one aiosqlite
  `SELECT 1` round trip on the bot's own database, measured in the same run. Goal: search p99 <= floor.
- inline updates per second through the real Dispatcher (middlewares, the inline router, the store) with a
  LocalSession, against a bare aiogram Dispatcher whose only handler answers an empty list, both fed the
  same stream of keystroke updates (see `typing_sessions`). Goal: >= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.types import InlineQuery
from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalog.content import Content, build_content, read_documents  # noqa: E402
from bot.catalog.handlers.inline import PAGE_SIZE  # noqa: E402
from bot.catalog.library import Catalog  # noqa: E402
from bot.catalog.search import SearchIndex  # noqa: E402
from bot.console.session import LocalSession  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.core.i18n import create_i18n  # noqa: E402
from bot.news.repository import Newsroom  # noqa: E402
from bot.runtime.app import create_bot, create_dispatcher  # noqa: E402
from bot.store import Store  # noqa: E402

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # noqa: S105 - a well-formed fake

# Syllables with their Russian spelling, for names that exist in Latin and Cyrillic.
SYLLABLES = [
    ("ka", "ка"), ("ri", "ри"), ("mo", "мо"), ("tan", "тан"), ("wi", "ви"), ("bo", "бо"), ("sa", "са"),
    ("lim", "лим"), ("na", "на"), ("dor", "дор"), ("ha", "ха"), ("ru", "ру"), ("ti", "ти"), ("ne", "не"),
    ("ga", "га"), ("mir", "мир"), ("la", "ла"), ("ven", "вен"), ("zu", "зу"), ("khan", "хан"),
    ("pe", "пе"), ("so", "со"), ("dan", "дан"), ("ly", "лы"), ("ma", "ма"), ("sh", "ш"), ("yo", "ё"),
    ("to", "то"), ("ar", "ар"), ("bek", "бек"), ("ul", "уль"), ("in", "ин"), ("ek", "эк"), ("os", "ос"),
]  # fmt: skip
HAN = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文安丰全宝卿伟强明华建国平志勇军杰涛斌超波辉刚健俊峰磊鹏飞"  # noqa: E501
ORG_WORDS = [
    ("Green", "Зелёная", "绿色"), ("Energy", "энергетическая", "能源"), ("Power", "энергетическая", "电力"),
    ("Solar", "солнечная", "太阳能"), ("Grid", "сетевая", "电网"), ("Carbon", "углеродная", "碳"),
    ("Wind", "ветровая", "风电"), ("Hydro", "гидро", "水电"), ("Smart", "интеллектуальная", "智慧"),
    ("Clean", "чистая", "清洁"), ("Asia", "азиатская", "亚洲"), ("Pacific", "тихоокеанская", "太平洋"),
]  # fmt: skip
ORG_KINDS = [
    ("Corporation", "корпорация", "集团"),
    ("Institute", "институт", "研究院"),
    ("Alliance", "альянс", "联盟"),
]


def _name(rng: random.Random, parts: int) -> tuple[str, str]:
    picked = [rng.choice(SYLLABLES) for _ in range(parts)]
    return "".join(p[0] for p in picked).capitalize(), "".join(p[1] for p in picked).capitalize()


def synthetic_content(people: int, seed: int = 20221220) -> Content:
    """The real content plus `people` synthetic participants, organisations from pools (as at a big forum)."""
    rng = random.Random(seed)
    documents: dict[str, Any] = read_documents(ROOT / "content")
    real_people = documents["people.toml"]["person"]
    countries = [c["code"] for c in documents["countries.toml"]["country"]]
    orgs = documents["organisations.toml"]["organisation"]
    for i in range(300):
        a, b = rng.sample(ORG_WORDS, 2)
        kind = rng.choice(ORG_KINDS)
        code = f"{rng.choice(SYLLABLES)[0]}{rng.choice(SYLLABLES)[0]}".upper()
        orgs.append(
            {
                "slug": f"org-{i}",
                "country": rng.choice(countries),
                "aliases": [code],
                "name": {
                    "en": f"{code} {a[0]} {b[0]} {kind[0]}",
                    "ru": f"{kind[1].capitalize()} {code} {a[1]} {b[1]}",
                    "zh": f"{code}{a[2]}{b[2]}{kind[2]}",
                },
            }
        )
    given = [_name(rng, rng.choice((2, 2, 3))) for _ in range(400)]
    family = [_name(rng, rng.choice((2, 3, 3, 4))) for _ in range(1500)]
    for i in range(people):
        template = real_people[i % len(real_people)]
        if rng.random() < 0.3:
            han = "".join(rng.sample(HAN, rng.choice((2, 3))))
            syllables = lazy_pinyin(han)
            en = f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
            ru, native, zh = en, han, han
        else:
            first, last = rng.choice(given), rng.choice(family)
            en, ru = f"{first[0]} {last[0]}", f"{first[1]} {last[1]}"
            native, zh = en, en
        real_people.append(
            {
                "slug": f"p{i}",
                "order": 100 + i,
                "country": rng.choice(countries),
                "organisation": f"org-{rng.randrange(300)}",
                "native": native,
                "aliases": [],
                "name": {"ru": ru, "en": en, "zh": zh},
                "role": template["role"],
                "represented": template["represented"],
            }
        )
    return build_content(documents, version=f"synthetic-{people}")


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice(
        (word[:i] + word[i + 1 :], word[:i] + "x" + word[i + 1 :], word[:i] + word[i] + word[i:])
    )


GARBAGE = "abcdeкинфеа安丰全 %*'\"\u200b"


def garbage(rng: random.Random) -> str:
    """The worst input we know: 256 characters of mixed scripts, quotes, wildcards and zero-width spaces."""
    return "".join(rng.choice(GARBAGE) for _ in range(256))


# Questions and requests as people ask them (content/queries.toml): around a name, a role, a country.
QUESTIONS = {
    "en": ("who is {name}?", "tell me about {name}", "speaker from {country}", "{country} speakers",
           "who was the chair?", "chair", "what do you know about {name}?", "ambassador of {country}"),
    "ru": ("кто такой {name}?", "расскажи про {name}", "{country}: спикеры", "спикеры {country}",
           "кто председатель круглого стола?", "председатель", "что известно о {name}?", "посла"),
    "zh": ("{name}是谁", "介绍一下{name}", "{country}的嘉宾", "来自{country}的嘉宾", "主持人是谁", "主席",
           "{name}的资料", "{country}大使"),
}  # fmt: skip


def question(rng: random.Random, content: Content, lang: str) -> str:
    person = rng.choice(content.people)
    country = content.countries[person.country].name.get(lang)
    return rng.choice(QUESTIONS[lang]).format(name=person.name.get(lang), country=country)


def question_mix(content: Content, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return [question(rng, content, rng.choice(("ru", "en", "zh"))) for _ in range(count)]


def query_mix(content: Content, count: int, seed: int = 7) -> list[str]:
    """What people type, in three scripts: names, prefixes, typos, organisations, countries, roles, junk
    (1% of it 256-character garbage, which is also timed on its own), and one in six a question (who is…,
    speaker from…, the chair), which is also timed on its own."""
    rng = random.Random(seed)
    people = content.people
    orgs = list(content.organisations.values())
    countries = list(content.countries.values())
    queries: list[str] = []
    while len(queries) < count:
        person = rng.choice(people)
        lang = rng.choice(("ru", "en", "zh"))
        name = person.name.get(lang)
        kind = rng.randrange(100)
        if rng.random() < 1 / 6:
            queries.append(question(rng, content, lang))
        elif kind < 25:
            queries.append(name)
        elif kind < 50:
            queries.append(name[: rng.randrange(1, 7)])
        elif kind < 62:
            queries.append(_typo(rng, max(name.split(), key=len)))
        elif kind < 70:
            org = rng.choice(orgs)
            queries.append(rng.choice([*org.name.values(), *org.aliases]).split()[0])
        elif kind < 78:
            queries.append(rng.choice(countries).name.get(lang))
        elif kind < 90:
            queries.append(rng.choice(person.role.get(lang).split()))
        elif kind < 99:
            queries.append(rng.choice(("", "zzzzqqqq", "'; DROP TABLE user; --", "%", "🙂", "kin*", "a b c")))
        else:
            queries.append(garbage(rng))
    return queries


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def bench_search_and_floor(
    index: SearchIndex, store: Store, queries: list[str], rounds: int
) -> tuple[list[float], list[float]]:
    """Blocks of search calls and of `SELECT 1` round trips, taking turns, so both see the same machine."""
    conn = store.db.conn
    search: list[float] = []
    floor: list[float] = []
    clock = time.perf_counter_ns
    page = PAGE_SIZE + 1
    for _ in range(rounds):
        for query in queries:
            start = clock()
            index.matches(query, page, documents=True)
            search.append((clock() - start) / 1000)
        for _ in queries:
            start = clock()
            await conn.execute_fetchall("SELECT 1")
            floor.append((clock() - start) / 1000)
    return search, floor


def typing_sessions(content: Content, count: int, seed: int, users: int = 300) -> list[dict[str, Any]]:
    """Inline updates as people send them: `@bot ` opens with the empty query, then one update per
    keystroke while a name (or an organisation, country, role word) is typed, now and then with a typo.
    Who is looked up follows Zipf's law (a few people often, most of the 10,000 rarely), as at a forum."""
    rng = random.Random(seed)
    people = list(content.people)
    random.Random(0).shuffle(people)  # who is popular does not depend on the programme order
    popularity = list(itertools.accumulate(1 / rank for rank in range(1, len(people) + 1)))  # Zipf
    orgs = list(content.organisations.values())
    countries = list(content.countries.values())
    updates: list[dict[str, Any]] = []
    while len(updates) < count:
        user_id = 5000 + rng.randrange(users)
        lang = ("ru", "en", "zh")[user_id % 3]
        kind = rng.randrange(10)
        if kind < 7:
            target = rng.choices(people, cum_weights=popularity)[0].name.get(lang)
        elif kind == 7:
            target = rng.choice(orgs).name.get(lang).split()[0]
        elif kind == 8:
            target = rng.choice(countries).name.get(lang)
        else:
            target = rng.choice(rng.choice(people).role.get(lang).split())
        if rng.random() < 0.1:
            target = _typo(rng, target)
        sender = {"id": user_id, "is_bot": False, "first_name": "U", "language_code": lang}
        for typed in ["", *(target[:n] for n in range(1, min(len(target), 20) + 1))]:
            updates.append(
                {
                    "update_id": len(updates) + 1,
                    "inline_query": {"id": f"iq{len(updates)}", "from": sender, "query": typed, "offset": ""},
                }
            )
    return updates[:count]


async def updates_per_second(
    dp: Dispatcher, warm_up: list[dict[str, Any]], updates: list[dict[str, Any]], settings: Settings
) -> float:
    """Feed `warm_up` (the bot has been running a while), then time `updates`, one after another."""
    # strict=False: the session's Telegram-rules checker is a test instrument, not the bot's work; the
    # recorded requests are dropped as they come, or the garbage collector would walk them all.
    session = LocalSession(strict=False)
    bot = create_bot(settings, session)
    for update in warm_up:
        await dp.feed_raw_update(bot, update)
        session.requests.clear()
    gc.collect()
    start = time.perf_counter()
    for update in updates:
        await dp.feed_raw_update(bot, update)
        session.requests.clear()
    return len(updates) / (time.perf_counter() - start)


def bare_dispatcher() -> Dispatcher:
    async def answer_nothing(inline_query: InlineQuery) -> None:
        await inline_query.answer([])

    router = Router()
    router.inline_query.register(answer_nothing)
    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--updates", type=int, default=5_000)
    args = parser.parse_args()

    content = synthetic_content(args.people)
    start = time.perf_counter()
    index = SearchIndex(content)
    build = time.perf_counter() - start
    queries = query_mix(content, args.queries)
    print(f"participants: {len(content.people):,}  index build: {build:.2f} s  queries: {len(queries):,}")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_path=Path(tmp) / "bench.sqlite3",
            telegram_api_url="http://127.0.0.1:9",
        )
        settings.prepare_database_dir()
        store = await Store.open(settings.database_path)
        catalog = Catalog(store.db)
        try:
            await catalog.load_content(content)
            await bench_search_and_floor(index, store, queries[:500], 1)  # warm up
            gc.collect()
            search, floor = await bench_search_and_floor(index, store, queries, 3)
            worst = [garbage(random.Random(i)) for i in range(300)]
            worst_search, _ = await bench_search_and_floor(index, store, worst, 1)
            asked_search, _ = await bench_search_and_floor(index, store, question_mix(content, 1000), 1)
            asked_p50, asked_p99 = percentiles(asked_search)
            search_p50, search_p99 = percentiles(search)
            floor_p50, floor_p99 = percentiles(floor)
            worst_p50, worst_p99 = percentiles(worst_search)
            print(
                f"search  p50 {search_p50:7.1f} µs  p99 {search_p99:7.1f} µs  "
                f"(one call: what inline mode runs per page, matches(q, {PAGE_SIZE + 1}))"
            )
            print(
                f"floor   p50 {floor_p50:7.1f} µs  p99 {floor_p99:7.1f} µs  (aiosqlite SELECT 1 round trip)"
            )
            print(
                f"ratio   search p99 / floor p50 = {search_p99 / floor_p50:.2f}, "
                f"search p99 / floor p99 = {search_p99 / floor_p99:.2f}  (goal <= 1)"
            )
            print(f"garbage p50 {worst_p50:7.1f} µs  p99 {worst_p99:7.1f} µs  (256 characters of mixed junk)")
            print(
                f"asked   p50 {asked_p50:7.1f} µs  p99 {asked_p99:7.1f} µs  (questions only; "
                f"p99 / floor p99 = {asked_p99 / floor_p99:.2f})"
            )

            warm_up = typing_sessions(content, args.updates, seed=1)
            updates = typing_sessions(content, args.updates, seed=2)
            i18n = create_i18n(settings.locales_dir, settings.default_locale)
            dp = create_dispatcher(settings, store, catalog, Newsroom(store.db), i18n)
            ours = await updates_per_second(dp, warm_up, updates, settings)
            bare = await updates_per_second(bare_dispatcher(), warm_up, updates, settings)
            again = await updates_per_second(dp, [], updates, settings)
            print(f"inline  bot {ours:7.0f} updates/s, bare aiogram {bare:7.0f} updates/s")
            print(
                f"ratio   {ours / bare:.2f}  (goal >= 0.5; {len(updates):,} keystroke updates "
                f"after {len(warm_up):,} others)"
            )
            print(f"ratio   {again / bare:.2f}  (the same {len(updates):,} updates once more: caches warm)")
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
