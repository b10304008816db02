#!/usr/bin/python3
"""Drive real Anki (Debian's anki 2.1.15, unpacked by scripts/anki/install.sh) for deckc's tests.

Run with Debian's /usr/bin/python3. Every subcommand prints one JSON object on stdout:

  driver.py import COLLECTION PACKAGE...  import .apkg files in order, the way File > Import does
  driver.py dump COLLECTION               what Anki stored
  driver.py check COLLECTION              Tools > Check Database (col.fixIntegrity()), then dump
  driver.py review COLLECTION CARD_ID...  study each card once, answering "Good" as the reviewer
                                          does (col.sched.answerCard), then dump

COLLECTION is a path ending in .anki2, created on first use; its media folder sits beside it
(COLLECTION with .media instead of .anki2). Add --render to include each card's rendered
question and answer HTML. The result always has "state" (see dump()); import adds "imports"
(one entry per package, with Anki's import log and any error), check adds "check".
The state's "revlog" lists every review (id, cid, ease, type), in id order.
"""
import json
import os
import sys
import traceback

ANKI_DIR = os.path.join(os.environ.get("ANKI_DEB_DIR", "/tmp/anki-deb"), "usr/share/anki")
if not os.path.isfile(os.path.join(ANKI_DIR, "anki", "__init__.py")):
    sys.stderr.write(
        "driver.py: Anki not found in %s; run scripts/anki/install.sh first\n" % ANKI_DIR)
    sys.exit(2)
sys.path.insert(0, ANKI_DIR)

import anki  # noqa: E402
from anki.importing.apkg import AnkiPackageImporter  # noqa: E402
from anki.storage import Collection  # noqa: E402
from anki.utils import splitFields  # noqa: E402


def open_collection(path):
    path = os.path.abspath(path)
    if not path.endswith(".anki2"):
        raise SystemExit("driver.py: the collection path must end in .anki2")
    return Collection(path)


def dump(col, render=False):
    notetypes = []
    for m in sorted(col.models.all(), key=lambda m: int(m["id"])):
        computed = json.loads(json.dumps(m))
        col.models._updateRequired(computed)  # what Anki itself computes for these templates
        notetypes.append({
            "id": int(m["id"]),
            "name": m["name"],
            "mod": m["mod"],
            "type": m["type"],
            "sortf": m["sortf"],
            "fields": [f["name"] for f in m["flds"]],
            "fieldIds": [f.get("id") for f in m["flds"]],
            "templates": [t["name"] for t in m["tmpls"]],
            "templateIds": [t.get("id") for t in m["tmpls"]],
            "qfmt": [t["qfmt"] for t in m["tmpls"]],
            "afmt": [t["afmt"] for t in m["tmpls"]],
            "css": m["css"],
            "req": json.loads(json.dumps(m.get("req"))),
            "reqComputed": json.loads(json.dumps(computed.get("req"))),
            "noteCount": col.models.useCount(m),
        })

    notes = []
    for nid, guid, mid, mod, usn, tags, flds, sfld, csum in col.db.execute(
            "select id, guid, mid, mod, usn, tags, flds, sfld, csum from notes order by id"):
        model = col.models.get(mid)
        names = [f["name"] for f in model["flds"]] if model else []
        values = splitFields(flds)
        notes.append({
            "id": nid,
            "guid": guid,
            "mid": mid,
            "mod": mod,
            "usn": usn,
            "tags": col.tags.split(tags),
            "fields": dict(zip(names, values)) if len(names) == len(values) else values,
            "sfld": sfld,
            "csum": csum,
        })

    decks_by_id = {int(d["id"]): d["name"] for d in col.decks.all()}
    cards = []
    for cid, nid, did, ord_, mod, usn, type_, queue, due in col.db.execute(
            "select id, nid, did, ord, mod, usn, type, queue, due from cards order by id"):
        card = {
            "id": cid, "nid": nid, "did": did, "deck": decks_by_id.get(did), "ord": ord_,
            "mod": mod, "usn": usn, "type": type_, "queue": queue, "due": due,
        }
        if render:
            c = col.getCard(cid)
            card["question"] = c.q()
            card["answer"] = c.a()
        cards.append(card)

    revlog = [{"id": rid, "cid": cid, "ease": ease, "type": type_}
              for rid, cid, ease, type_ in col.db.execute(
                  "select id, cid, ease, type from revlog order by id")]

    media_dir = col.media.dir()
    return {
        "ankiVersion": anki.version,
        "notetypes": notetypes,
        "decks": {d["name"]: {"id": int(d["id"]), "conf": d.get("conf"), "dyn": d["dyn"],
                              "desc": d.get("desc", "")}
                  for d in sorted(col.decks.all(), key=lambda d: d["name"])},
        "notes": notes,
        "cards": cards,
        "revlog": revlog,
        "media": sorted(f for f in os.listdir(media_dir)
                        if os.path.isfile(os.path.join(media_dir, f))),
        "tags": sorted(col.tags.all()),
    }


def import_packages(col, packages):
    results = []
    for package in packages:
        importer = AnkiPackageImporter(col, os.path.abspath(package))
        entry = {"file": package, "log": [], "error": None}
        try:
            importer.run()
            entry["added"] = importer.added
            entry["updated"] = importer.updated
            entry["dupes"] = importer.dupes
        except Exception:  # reported as data: the test decides what an error means
            entry["error"] = traceback.format_exc()
        entry["log"] = [line for line in importer.log if line]
        results.append(entry)
        col.save()
    return results


def review_cards(col, card_ids):
    # The queues, as the reviewer builds them: answering a card with siblings (a cloze or a
    # reversed note) buries them through the new queue (sched.py _burySiblings).
    col.sched.reset()
    for cid in card_ids:
        card = col.getCard(int(cid))
        card.startTimer()
        col.sched.answerCard(card, 3)
    col.save()


def main(argv):
    render = "--render" in argv
    args = [a for a in argv if a != "--render"]
    if len(args) < 2 or args[0] not in ("import", "dump", "check", "review"):
        sys.stderr.write(__doc__)
        return 2
    command, path, rest = args[0], args[1], args[2:]
    # Anki may print; only our JSON goes to stdout.
    stdout, sys.stdout = sys.stdout, sys.stderr
    col = open_collection(path)
    try:
        out = {}
        if command == "import":
            out["imports"] = import_packages(col, rest)
        elif command == "review":
            review_cards(col, rest)
        elif command == "check":
            text, ok = col.fixIntegrity()
            out["check"] = {"ok": bool(ok), "messages": [l for l in text.split("\n") if l]}
        out["state"] = dump(col, render)
    finally:
        col.close()
        sys.stdout = stdout
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
