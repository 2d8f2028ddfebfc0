"""Schema migrations, applied in order on open; `PRAGMA user_version` records how many have run.

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: content (rebuilt wholesale by `content load`) apart from user data (never touched by it).
    """
    CREATE TABLE content_document (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE content_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE user (
        id INTEGER PRIMARY KEY,
        language_code TEXT,
        locale TEXT CHECK (locale IN ('ru', 'en', 'zh')),
        first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        last_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE subscription (
        user_id INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    """,
    # 2: initiative news. An item is stored once in every language; the outbox holds one delivery per
    # (item, subscriber), a small state machine the broadcaster drains, so a crash loses nothing.
    """
    CREATE TABLE news_item (
        id INTEGER PRIMARY KEY,
        text_ru TEXT NOT NULL,
        text_en TEXT NOT NULL,
        text_zh TEXT NOT NULL,
        title_ru TEXT,
        title_en TEXT,
        title_zh TEXT,
        author_id INTEGER,
        post_key TEXT UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        progress_chat_id INTEGER,
        progress_message_id INTEGER,
        progress_locale TEXT,
        finished_at TEXT,
        CHECK ((title_ru IS NULL) = (title_en IS NULL) AND (title_en IS NULL) = (title_zh IS NULL))
    );
    CREATE TABLE news_audit (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES news_item(id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE delivery (
        item_id INTEGER NOT NULL REFERENCES news_item(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (item_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX delivery_due ON delivery (next_attempt_at, item_id, user_id) WHERE state = 'pending';
    CREATE INDEX delivery_state ON delivery (state);
    CREATE TABLE fsm_state (
        key TEXT PRIMARY KEY,
        state TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    """,
    # 3: news ids are never reused (AUTOINCREMENT): an id once given to an item, even one deleted later,
    # never names another text. The table is rebuilt with its rows; deliveries and audit rows keep their ids.
    """
    CREATE TABLE news_item_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text_ru TEXT NOT NULL,
        text_en TEXT NOT NULL,
        text_zh TEXT NOT NULL,
        title_ru TEXT,
        title_en TEXT,
        title_zh TEXT,
        author_id INTEGER,
        post_key TEXT UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        progress_chat_id INTEGER,
        progress_message_id INTEGER,
        progress_locale TEXT,
        finished_at TEXT,
        CHECK ((title_ru IS NULL) = (title_en IS NULL) AND (title_en IS NULL) = (title_zh IS NULL))
    );
    INSERT INTO news_item_new SELECT id, text_ru, text_en, text_zh, title_ru, title_en, title_zh, author_id,
        post_key, created_at, progress_chat_id, progress_message_id, progress_locale, finished_at
        FROM news_item;
    DROP TABLE news_item;
    ALTER TABLE news_item_new RENAME TO news_item;
    """,
    # 4: the audit log says more than "posted": what an edit changed, when a scheduled item is due (`detail`,
    # free text for people); read newest first.
    """
    ALTER TABLE news_audit ADD COLUMN detail TEXT;
    CREATE INDEX news_audit_item ON news_audit (item_id);
    """,
    # 5: an editor's tools. An item may be scheduled (`send_at`: its deliveries are queued when that moment
    # comes, `released_at` says they were; `cancelled_at` ends a schedule), carry one photo or document
    # shared by its languages (`media_kind`; `media_file_id` once Telegram has it, `media_path` for a file
    # the shell uploads once), and be edited or retracted. Each delivered copy keeps what is needed to change
    # it later: its `message_id`, the `locale` it was written in and when it was sent (`sent_at`, wall
    # seconds: Telegram deletes only messages younger than 48 hours). Changes to delivered copies are a
    # second outbox, one row per copy, drained like the first: a newer change replaces a waiting one; the
    # admin's message about the latest change (`change_*`) is edited into its result when none is left.
    """
    ALTER TABLE news_item ADD COLUMN send_at TEXT;
    ALTER TABLE news_item ADD COLUMN released_at TEXT;
    ALTER TABLE news_item ADD COLUMN cancelled_at TEXT;
    ALTER TABLE news_item ADD COLUMN media_kind TEXT CHECK (media_kind IN ('photo', 'document'));
    ALTER TABLE news_item ADD COLUMN media_file_id TEXT;
    ALTER TABLE news_item ADD COLUMN media_path TEXT;
    ALTER TABLE news_item ADD COLUMN edited_at TEXT;
    ALTER TABLE news_item ADD COLUMN retracted_at TEXT;
    ALTER TABLE news_item ADD COLUMN change_chat_id INTEGER;
    ALTER TABLE news_item ADD COLUMN change_message_id INTEGER;
    ALTER TABLE news_item ADD COLUMN change_locale TEXT;
    ALTER TABLE news_item ADD COLUMN change_reported_at TEXT;
    UPDATE news_item SET released_at = created_at;
    CREATE INDEX news_item_scheduled ON news_item (send_at) WHERE released_at IS NULL;
    ALTER TABLE delivery ADD COLUMN message_id INTEGER;
    ALTER TABLE delivery ADD COLUMN locale TEXT;
    ALTER TABLE delivery ADD COLUMN sent_at REAL;
    CREATE TABLE delivery_change (
        item_id INTEGER NOT NULL REFERENCES news_item(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('edit', 'retract')),
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sending', 'done', 'dropped', 'failed')),
        generation INTEGER NOT NULL DEFAULT 1,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (item_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX delivery_change_due ON delivery_change (next_attempt_at, item_id, user_id)
        WHERE state = 'pending';
    """,
    # 6: searches that found nobody, for editors (store/misses.py): the normalised query and a count per
    # UTC day, nothing about who searched; kept 90 days, at most 1,000 new queries a day.
    """
    CREATE TABLE search_miss (
        day TEXT NOT NULL,
        query TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (day, query)
    ) WITHOUT ROWID;
    """,
    # 7: the revision of an item's text, so no copy escapes a correction. `revision` counts the item's
    # edits and its retraction; `revised_<locale>` is the revision at which that language's text or title
    # last changed. Each delivery keeps the revision its copy was rendered from (`revision`: the item's at
    # its claim while it is `sending`, the rendered one once `sent`): a copy is stale when its language was
    # revised after it, and a stale or retracted copy that goes out is queued for a change.
    # A retracted copy past 48 hours is edited into a note, but its photo or file stays: `media_kept` counts
    # those for the admin's result. Archive items move from midnight to noon UTC of their day, so that day
    # is the one shown in any TIMEZONE from UTC−12 to UTC+11 (midnight showed the day before west of UTC).
    """
    ALTER TABLE news_item ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE news_item ADD COLUMN revised_ru INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE news_item ADD COLUMN revised_en INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE news_item ADD COLUMN revised_zh INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE delivery ADD COLUMN revision INTEGER;
    ALTER TABLE delivery_change ADD COLUMN media_kept INTEGER NOT NULL DEFAULT 0;
    UPDATE news_item SET created_at = substr(created_at, 1, 11) || '12:00:00Z',
        released_at = substr(released_at, 1, 11) || '12:00:00Z'
        WHERE post_key LIKE 'archive:%' AND created_at LIKE '%T00:00:00Z';
    """,
]
